-- The member cluster owns spec.paused (someone paused the rollout there).
function F(desiredObj, observedObj)
  if observedObj.spec ~= nil and observedObj.spec.paused ~= nil then
    desiredObj.spec.paused = observedObj.spec.paused
  end
  return desiredObj
end
