-- The TLS Secret must exist in every cluster the gateway goes to.
function F(desiredObj)
  local spec = desiredObj.spec or {}
  local ref = spec.tlsSecretRef
  if type(ref) ~= "table" or ref.name == nil or ref.name == "" then
    return {}
  end
  local namespace = "default"
  if desiredObj.metadata ~= nil and desiredObj.metadata.namespace ~= nil then
    namespace = desiredObj.metadata.namespace
  end
  return {{apiVersion = "v1", kind = "Secret", namespace = namespace, name = ref.name}}
end
