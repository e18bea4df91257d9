function F(desiredObj, statusItems)
  if statusItems == nil then
    return desiredObj
  end
  local ready = 0
  for i = 1, #statusItems do
    local status = statusItems[i].status
    if status ~= nil and status.readyReplicas ~= nil then
      ready = ready + status.readyReplicas
    end
  end
  desiredObj.status = desiredObj.status or {}
  desiredObj.status.readyReplicas = ready
  return desiredObj
end
