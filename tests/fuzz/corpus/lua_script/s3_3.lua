function F(observedObj)
  local status = observedObj.status
  if status == nil then
    return {}
  end
  return {
    result = status.result,
    replicas = status.replicas,
    readyReplicas = status.readyReplicas,
    primary = status.primary,
    members = status.members,
    accessAddr = status.accessAddr,
    observedGeneration = status.observedGeneration,
    conditions = status.conditions,
  }
end
