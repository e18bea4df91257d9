function F(observedObj)
  if observedObj.status == nil then
    return false
  end
  local want = observedObj.spec.replicas
  if want == nil then
    want = 1
  end
  return (observedObj.status.readyReplicas or 0) == want
end
