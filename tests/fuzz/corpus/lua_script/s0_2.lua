function F(observedObj)
  local status = observedObj.status
  if status == nil then
    return {}
  end
  return {
    replicas = status.replicas,
    readyReplicas = status.readyReplicas,
    selector = status.selector,
    observedGeneration = status.observedGeneration,
    endpoints = status.endpoints,
    conditions = status.conditions,
  }
end
