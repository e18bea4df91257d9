local function F(conditions, ctype)
  if type(conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(conditions) do
    if type(c) == "table" and c.type == ctype then
      return c
    end
  end
  return nil
end

local function condition(desiredObj, ctype, ok, reason, message)
  local c = {type = ctype, status = "False", reason = reason, message = message}
  if ok then
    c.status = "True"
  end
  local old = findCondition((desiredObj.status or {}).conditions, ctype)
  if old ~= nil and old.status == c.status and old.lastTransitionTime ~= nil then
    c.lastTransitionTime = old.lastTransitionTime
  end
  return c
end

function AggregateStatus(desiredObj, statusItems)
  if statusItems == nil then
    return desiredObj
  end
  local items = {}
  for i = 1, #statusItems do
    table.insert(items, statusItems[i])
  end
  table.sort(items, function(a, b) return (a.clusterName or "") < (b.clusterName or "") end)

  local replicas, ready, selector = 0, 0, nil
  local endpoints, notReady, readyClusters = {}, {}, 0
  for _, item in ipairs(items) do
    local s = item.status
    if type(s) ~= "table" then
      table.insert(notReady, item.clusterName .. " (no status)")
    else
      local r = s.replicas or 0
      local rr = s.readyReplicas or 0
      replicas = replicas + r
      ready = ready + rr
      if selector == nil and s.selector ~= nil and s.selector ~= "" then
        selector = s.selector
      end
      if rr > 0 then
        readyClusters = readyClusters + 1
      end
      local own = findCondition(s.conditions, "Ready")
      if own ~= nil and own.status == "False" then
        table.insert(notReady, item.clusterName .. " (" .. (own.reason or "not ready") .. ")")
      elseif rr < r then
        table.insert(notReady, item.clusterName .. " (" .. rr .. "/" .. r .. " ready)")
      end
      if type(s.endpoints) == "table" then
        for _, e in ipairs(s.endpoints) do
          if type(e) == "table" then
            table.insert(endpoints, {
              cluster = item.clusterName,
              name = e.name,
              address = e.address,
              port = e.port,
              protocol = e.protocol,
              zone = e.zone,
            })
          end
        end
      end
    end
  end

  local conditions = {}
  if #items == 0 then
    table.insert(conditions, condition(desiredObj, "Ready", false, "NoClusters",
      "the gateway is not scheduled to any cluster"))
  elseif #notReady == 0 then
    table.insert(conditions, condition(desiredObj, "Ready", true, "AllClustersReady",
      ready .. " instances ready in " .. #items .. " clusters"))
  else
    table.insert(conditions, condition(desiredObj, "Ready", false, "ClustersNotReady",
      "not ready: " .. table.concat(notReady, ", ")))
  end
  local scenario = (desiredObj.spec or {}).scenario
  if scenario ~= "CellAgent" then
    if readyClusters >= 2 then
      table.insert(conditions, condition(desiredObj, "HighlyAvailable", true, "ReadyInSeveralClusters",
        "ready instances in " .. readyClusters .. " clusters"))
    else
      table.insert(conditions, condition(desiredObj, "HighlyAvailable", false, "SingleClusterPath",
        "ready instances in " .. readyClusters .. " cluster(s): losing one cluster cuts the path"))
    end
  end

  desiredObj.status = {
    replicas = replicas,
    readyReplicas = ready,
    selector = selector,
    endpoints = endpoints,
    conditions = conditions,
  }
  return desiredObj
end
