local kube = require("kube")
function F(desiredObj)
  -- getPodDependencies gives nil when nothing is referenced; GetDependencies must return a table.
  return kube.getPodDependencies(desiredObj.spec.template, desiredObj.metadata.namespace) or {}
end
