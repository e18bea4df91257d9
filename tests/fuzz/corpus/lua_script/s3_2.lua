-- The member operator defaults spec.storageclass to its cluster's default StorageClass; keep
-- it when the control plane leaves the field empty (StorageClasses differ per cluster).
function F(desiredObj, observedObj)
  local observed = observedObj.spec
  if observed == nil or observed.storageclass == nil or observed.storageclass == "" then
    return desiredObj
  end
  desiredObj.spec = desiredObj.spec or {}
  if desiredObj.spec.storageclass == nil or desiredObj.spec.storageclass == "" then
    desiredObj.spec.storageclass = observed.storageclass
  end
  return desiredObj
end
