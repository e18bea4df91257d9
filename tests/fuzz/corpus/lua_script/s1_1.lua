local kube = require("kube")
-- Without component-aware scheduling Karmada sees one kind of replica: the total number of
-- pods, each requiring the per-resource maximum over the components (an envelope: wherever
-- N envelope pods fit, any mix of N component pods fits). The maximum is computed by
-- Karmada's own rule for init containers (max over init containers when there are no
-- regular containers). The nodeClaim is the cluster-wide one.
function F(obj)
  local spec = obj.spec or {}
  local total = 0
  local inits = {}
  if type(spec.componentSpecs) == "table" then
    for i, cs in ipairs(spec.componentSpecs) do
      local replicas = cs.replicas
      if replicas == nil then
        replicas = 1
      end
      total = total + replicas
      if replicas > 0 then
        table.insert(inits, {name = "c" .. i, resources = cs.resources})
      end
    end
  end
  local podSpec = {initContainers = inits, tolerations = spec.tolerations}
  if type(spec.affinity) == "table" then
    podSpec.nodeSelector = spec.affinity.nodeLabels
  end
  return total, kube.accuratePodRequirements({spec = podSpec})
end
