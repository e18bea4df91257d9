local placement = "apps.kubeblocks.io/multi-cluster-placement"
-- Spread desiredReplica over the components in proportion to their replicas (largest
-- remainder, ties to the earlier component), so the components keep their ratio and the
-- sum is exactly desiredReplica. With the multi-cluster-placement annotation KubeBlocks
-- places the instances itself and the object is returned unchanged.
function F(obj, desiredReplica)
  local annotations = (obj.metadata or {}).annotations
  if annotations ~= nil and annotations[placement] ~= nil and annotations[placement] ~= "" then
    return obj
  end
  local specs = (obj.spec or {}).componentSpecs
  if type(specs) ~= "table" or #specs == 0 then
    return obj
  end
  local total = 0
  for _, cs in ipairs(specs) do
    total = total + (cs.replicas or 1)
  end
  if total == 0 then
    return obj
  end
  local given, rest = 0, {}
  for i, cs in ipairs(specs) do
    local scaled = (cs.replicas or 1) * desiredReplica
    local share = math.floor(scaled / total)
    cs.replicas = share
    given = given + share
    table.insert(rest, {index = i, remainder = scaled - share * total})
  end
  table.sort(rest, function(a, b)
    if a.remainder ~= b.remainder then
      return a.remainder > b.remainder
    end
    return a.index < b.index
  end)
  local k = 1
  while given < desiredReplica and k <= #rest do
    local cs = specs[rest[k].index]
    cs.replicas = cs.replicas + 1
    given = given + 1
    k = k + 1
  end
  return obj
end
