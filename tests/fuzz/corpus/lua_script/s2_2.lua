-- Fields the member operator writes and the control plane leaves empty stay as the member
-- has them; anything the control plane sets wins.
local function F(v)
  return v == nil or v == ""
end
function Retain(desiredObj, observedObj)
  local observed = observedObj.spec
  if observed == nil then
    return desiredObj
  end
  desiredObj.spec = desiredObj.spec or {}
  local spec = desiredObj.spec
  if empty(spec.storageClassName) and not empty(observed.storageClassName) then
    spec.storageClassName = observed.storageClassName
  end
  if type(observed.externalAccess) == "table" and observed.externalAccess.nodePorts ~= nil then
    if spec.externalAccess == nil then
      spec.externalAccess = {}
    end
    if spec.externalAccess.nodePorts == nil then
      spec.externalAccess.nodePorts = observed.externalAccess.nodePorts
    end
  end
  return desiredObj
end
