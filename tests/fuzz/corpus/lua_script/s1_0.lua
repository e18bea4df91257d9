local kube = require("kube")

local function F(affinity)
  if type(affinity) == "table" and type(affinity.nodeLabels) == "table" then
    return affinity.nodeLabels
  end
  return nil
end

-- One Karmada component per componentSpec; a component's own tolerations / nodeLabels
-- replace the cluster-wide ones, as KubeBlocks does.
function GetComponents(desiredObj)
  local spec = desiredObj.spec or {}
  local components = {}
  if type(spec.componentSpecs) ~= "table" then
    return components
  end
  for i, cs in ipairs(spec.componentSpecs) do
    local name = cs.name
    if name == nil or name == "" then
      name = "component-" .. i
    end
    local podSpec = {containers = {{name = name, resources = cs.resources}}}
    podSpec.tolerations = cs.tolerations or spec.tolerations
    podSpec.nodeSelector = nodeLabels(cs.affinity) or nodeLabels(spec.affinity)
    local replicas = cs.replicas
    if replicas == nil then
      replicas = 1
    end
    table.insert(components, {
      name = name,
      replicas = replicas,
      replicaRequirements = kube.accuratePodRequirements({spec = podSpec}),
    })
  end
  return components
end
