function F(observedObj)
  if observedObj.status == nil or observedObj.status.readyReplicas == nil then
    return {}
  end
  return {readyReplicas = observedObj.status.readyReplicas}
end
