local kube = require("kube")
function F(o)
  local t = {spec = {containers = {{name = "a", resources = {limits = {cpu = "100m", memory = "1Gi"}}}},
                     volumes = {{name = "v", configMap = {name = "cm"}}}}}
  return {kube.resourceAdd("1", "500m"), kube.getResourceQuantity("1.5Gi"),
          kube.accuratePodRequirements(t), kube.getPodDependencies(t, "ns")}
end
