local kube = require("kube")
function F(obj)
  local replicas = obj.spec.replicas
  if replicas == nil then
    replicas = 1
  end
  return {
    {
      name = "main",
      replicas = replicas,
      replicaRequirements = kube.accuratePodRequirements(obj.spec.template),
    },
  }
end
