local kube = require("kube")
-- One replica = one replica-set member. Its requirements are those of a pod with one
-- container carrying spec.requests/spec.limits, computed by Karmada's own rules.
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
  local template = {spec = {containers = {{name = "mongod", resources = resources}}}}
  return replicas, kube.accuratePodRequirements(template)
end
