local function F(v)
  local out = {}
  if type(v) == "string" then
    for a in string.gmatch(v, "[^,%s]+") do
      table.insert(out, a)
    end
  elseif type(v) == "table" then
    for _, a in ipairs(v) do
      if type(a) == "string" and a ~= "" then
        table.insert(out, a)
      end
    end
  end
  return out
end

local function primaryMember(status)
  if type(status.members) ~= "table" then
    return nil
  end
  for _, m in ipairs(status.members) do
    if type(m) == "table" and m.state == "PRIMARY" then
      return m.host or m.name
    end
  end
  return nil
end

local function oldCondition(desiredObj, ctype)
  local old = desiredObj.status
  if type(old) ~= "table" or type(old.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(old.conditions) do
    if type(c) == "table" and c.type == ctype then
      return c
    end
  end
  return nil
end

local function majorityCondition(desiredObj, total, ready, worstCluster, worstReady)
  local need = math.floor(total / 2) + 1
  local c = {type = "HighlyAvailable"}
  if ready < need then
    c.status = "False"
    c.reason = "MajorityLost"
    c.message = ready .. " of " .. total .. " members ready, a majority needs " .. need
  elseif ready - worstReady < need then
    c.status = "False"
    c.reason = "MajorityAtRisk"
    c.message = "losing cluster " .. worstCluster .. " (" .. worstReady .. " ready) would leave " ..
      (ready - worstReady) .. " of " .. total .. " members ready, a majority needs " .. need
  else
    c.status = "True"
    c.reason = "MajorityTolerant"
    c.message = ready .. " of " .. total .. " members ready, a majority (" .. need ..
      ") survives the loss of any one cluster"
  end
  local old = oldCondition(desiredObj, c.type)
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

  local replicas, ready = 0, 0
  local worstCluster, worstReady = "", 0
  local primary, primaryCluster, seenPrimary = nil, nil, nil
  local succeeded, failed = 0, 0
  local accessAddr, clusters = {}, {}
  for _, item in ipairs(items) do
    local s = item.status
    local entry = {clusterName = item.clusterName}
    if type(s) == "table" then
      local r = s.replicas or 0
      local rr = s.readyReplicas or 0
      replicas = replicas + r
      ready = ready + rr
      if rr > worstReady then
        worstCluster, worstReady = item.clusterName or "", rr
      end
      if s.result == "Success" then
        succeeded = succeeded + 1
      elseif s.result == "Failed" then
        failed = failed + 1
      end
      local p = primaryMember(s)
      if p ~= nil and primary == nil then
        primary, primaryCluster = p, item.clusterName
      end
      if seenPrimary == nil and type(s.primary) == "string" and s.primary ~= "" then
        seenPrimary = s.primary
      end
      local addrs = addresses(s.accessAddr)
      for _, a in ipairs(addrs) do
        table.insert(accessAddr, a)
      end
      entry.result = s.result
      entry.replicas = r
      entry.readyReplicas = rr
      entry.primary = p
      entry.accessAddr = addrs
    end
    table.insert(clusters, entry)
  end

  local total = replicas
  if desiredObj.spec ~= nil and desiredObj.spec.replicas ~= nil then
    total = desiredObj.spec.replicas
  end

  local status = {
    stats = {Success = succeeded, Failed = failed},
    replicas = replicas,
    readyReplicas = ready,
    accessAddr = accessAddr,
    clusters = clusters,
  }
  if primary ~= nil then
    status.primary = primary
    status.primaryCluster = primaryCluster
  elseif seenPrimary ~= nil then
    status.primary = seenPrimary
  end
  local majorityLost = false
  if total > 0 then
    local c = majorityCondition(desiredObj, total, ready, worstCluster, worstReady)
    majorityLost = c.reason == "MajorityLost"
    status.conditions = {c}
  end
  if failed > 0 or majorityLost then
    status.result = "Failed"
  elseif #items > 0 and succeeded == #items then
    status.result = "Success"
  else
    status.result = "Progressing"
  end
  desiredObj.status = status
  return desiredObj
end
