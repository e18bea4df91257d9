-- Healthy: the status is for the current spec, the cluster is Running and so is every
-- component it reports (Abnormal, Failed, Updating, Stopped... are not healthy).
function F(observedObj)
  local status = observedObj.status
  if status == nil or status.phase ~= "Running" then
    return false
  end
  local generation = (observedObj.metadata or {}).generation
  if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
    return false
  end
  if type(status.components) == "table" then
    for _, c in pairs(status.components) do
      if type(c) ~= "table" or c.phase ~= "Running" then
        return false
      end
    end
  end
  return true
end
