function F(observedObj)
  local status = observedObj.status
  if status == nil then
    return {}
  end
  return {
    phase = status.phase,
    replicas = status.replicas,
    readyReplicas = status.readyReplicas,
    primary = status.primary,
    members = status.members,
    accessAddr = status.accessAddr,
    observedGeneration = status.observedGeneration,
    conditions = status.conditions,
  }
end
