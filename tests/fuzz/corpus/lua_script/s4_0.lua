local kube = require("kube")
function F(obj)
  local replicas = obj.spec.replicas
  if replicas == nil then
    replicas = 1
  end
  if obj.spec.template == nil then
    return replicas, nil
  end
  return replicas, kube.accuratePodRequirements(obj.spec.template)
end
