-- Namespaced objects the components reference: service accounts, the TLS issuer's Secret,
-- and user resources mounted into the pods. ClusterDefinition / ComponentDefinition are
-- cluster-scoped and installed in each member by the KubeBlocks addons: not propagated.
function F(desiredObj)
  local namespace = "default"
  if desiredObj.metadata ~= nil and desiredObj.metadata.namespace ~= nil then
    namespace = desiredObj.metadata.namespace
  end
  local deps, seen = {}, {}
  local function add(kind, name)
    if type(name) ~= "string" or name == "" or seen[kind .. "/" .. name] then
      return
    end
    seen[kind .. "/" .. name] = true
    table.insert(deps, {apiVersion = "v1", kind = kind, namespace = namespace, name = name})
  end
  local specs = (desiredObj.spec or {}).componentSpecs
  if type(specs) == "table" then
    for _, cs in ipairs(specs) do
      if cs.serviceAccountName ~= "default" then
        add("ServiceAccount", cs.serviceAccountName)
      end
      if type(cs.issuer) == "table" and type(cs.issuer.secretRef) == "table" then
        add("Secret", cs.issuer.secretRef.name)
      end
      local refs = cs.userResourceRefs
      if type(refs) == "table" then
        for _, r in ipairs(refs.secretRefs or {}) do
          if type(r.secret) == "table" then
            add("Secret", r.secret.secretName)
          end
        end
        for _, r in ipairs(refs.configMapRefs or {}) do
          if type(r.configMap) == "table" then
            add("ConfigMap", r.configMap.name)
          end
        end
      end
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
