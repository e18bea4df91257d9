local kube = require("kube")
function F(obj)
  local spec = obj.spec or {}
  local replicas = spec.replicas
  if replicas == nil then
    replicas = 2
  end
  local podSpec = {
    containers = {{name = "gateway", resources = spec.resources}},
    nodeSelector = spec.nodeSelector,
    tolerations = spec.tolerations,
  }
  return replicas, kube.accuratePodRequirements({spec = podSpec})
end
