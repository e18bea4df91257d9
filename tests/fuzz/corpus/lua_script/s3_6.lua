local function F(ref)
  if type(ref) == "string" then
    return ref
  end
  if type(ref) == "table" and type(ref.name) == "string" then
    return ref.name
  end
  return nil
end

function GetDependencies(desiredObj)
  local namespace = "default"
  if desiredObj.metadata ~= nil and desiredObj.metadata.namespace ~= nil then
    namespace = desiredObj.metadata.namespace
  end
  local spec = desiredObj.spec or {}
  local deps, seen = {}, {}
  local function add(kind, name)
    if name == nil or name == "" or seen[kind .. "/" .. name] then
      return
    end
    seen[kind .. "/" .. name] = true
    table.insert(deps, {apiVersion = "v1", kind = kind, namespace = namespace, name = name})
  end
  local configKind = "ConfigMap"
  if type(spec.configRef) == "table" and spec.configRef.kind == "Secret" then
    configKind = "Secret"
  end
  add(configKind, refName(spec.configRef))
  add("Secret", refName(spec.authSecretRef))
  if type(spec.image) == "table" and type(spec.image.pullSecrets) == "table" then
    for _, s in ipairs(spec.image.pullSecrets) do
      add("Secret", refName(s))
    end
  end
  table.sort(deps, function(a, b)
    if a.kind ~= b.kind then
      return a.kind < b.kind
    end
    return a.name < b.name
  end)
  return deps
end
