local kube = require("kube")
-- One replica = one replica-set member: a pod with one container carrying
-- spec.requests/spec.limits, placed by spec.scheduler; Karmada's own rules compute it.
function F(obj)
  local spec = obj.spec or {}
  local replicas = spec.replicas
  if replicas == nil then
    replicas = 1
  end
  local resources = {}
  if type(spec.requests) == "table" then
    resources.requests = spec.requests
  end
  if type(spec.limits) == "table" then
    resources.limits = spec.limits
  end
  local podSpec = {containers = {{name = "mongod", resources = resources}}}
  local scheduler = spec.scheduler
  if type(scheduler) == "table" then
    podSpec.nodeSelector = scheduler.nodeSelector
    podSpec.tolerations = scheduler.tolerations
    podSpec.affinity = scheduler.affinity
  end
  return replicas, kube.accuratePodRequirements({spec = podSpec})
end
