-- Healthy: the status is for the current spec, every instance is ready, the gateway has an
-- address when it has instances, and it does not report Ready=False itself.
function F(observedObj)
  local status = observedObj.status
  if status == nil then
    return false
  end
  local generation = (observedObj.metadata or {}).generation
  if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
    return false
  end
  local want = 2
  if observedObj.spec ~= nil and observedObj.spec.replicas ~= nil then
    want = observedObj.spec.replicas
  end
  if (status.readyReplicas or 0) < want then
    return false
  end
  if want > 0 and (type(status.endpoints) ~= "table" or #status.endpoints == 0) then
    return false
  end
  if type(status.conditions) == "table" then
    for _, c in ipairs(status.conditions) do
      if type(c) == "table" and c.type == "Ready" and c.status == "False" then
        return false
      end
    end
  end
  return true
end
