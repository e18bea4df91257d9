-- Healthy: the operator has not given up, the replica set has a primary, and a majority of
-- this cluster's members are ready.
function F(observedObj)
  local status = observedObj.status
  if status == nil or status.phase == "Failed" then
    return false
  end
  local want = 1
  if observedObj.spec ~= nil and observedObj.spec.replicas ~= nil then
    want = observedObj.spec.replicas
  end
  if want == 0 then
    return true
  end
  local hasPrimary = type(status.primary) == "string" and status.primary ~= ""
  if not hasPrimary and type(status.members) == "table" then
    for _, m in ipairs(status.members) do
      if type(m) == "table" and m.state == "PRIMARY" then
        hasPrimary = true
      end
    end
  end
  if not hasPrimary then
    return false
  end
  return (status.readyReplicas or 0) * 2 > want
end
