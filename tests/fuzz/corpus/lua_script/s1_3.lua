-- Phases merge "worst first": all equal -> that phase; any Failed/Abnormal (but not all
-- Failed) -> Abnormal (the database still serves from the other clusters); otherwise the
-- highest of Deleting > Stopping > Stopped > Creating > Updating > Running (an unknown
-- phase ranks above them all). A cluster without status counts as Creating.
local rank = {Running = 1, Updating = 2, Creating = 3, Stopped = 4, Stopping = 5, Deleting = 6}

local function F(phases)
  if #phases == 0 then
    return nil
  end
  local same, bad = true, false
  for _, p in ipairs(phases) do
    if p ~= phases[1] then
      same = false
    end
    if p == "Failed" or p == "Abnormal" then
      bad = true
    end
  end
  if same then
    return phases[1]
  end
  if bad then
    return "Abnormal"
  end
  local best, bestRank = nil, 0
  for _, p in ipairs(phases) do
    local r = rank[p] or 7
    if r > bestRank then
      best, bestRank = p, r
    end
  end
  return best
end

local conditionRank = {True = 1, Unknown = 2, False = 3}

function AggregateStatus(desiredObj, statusItems)
  if statusItems == nil then
    return desiredObj
  end
  local items = {}
  for i = 1, #statusItems do
    table.insert(items, statusItems[i])
  end
  table.sort(items, function(a, b) return (a.clusterName or "") < (b.clusterName or "") end)

  -- component names: the spec's, then any only a member reports, sorted
  local names, known = {}, {}
  local specs = (desiredObj.spec or {}).componentSpecs
  if type(specs) == "table" then
    for _, cs in ipairs(specs) do
      if cs.name ~= nil and not known[cs.name] then
        known[cs.name] = true
        table.insert(names, cs.name)
      end
    end
  end
  local extra = {}
  for _, item in ipairs(items) do
    local s = item.status
    if type(s) == "table" and type(s.components) == "table" then
      for name, _ in pairs(s.components) do
        if not known[name] then
          known[name] = true
          table.insert(extra, name)
        end
      end
    end
  end
  table.sort(extra)
  for _, name in ipairs(extra) do
    table.insert(names, name)
  end

  local clusterPhases, notRunning = {}, {}
  local conditions, conditionTypes = {}, {}
  for _, item in ipairs(items) do
    local s = item.status
    local phase = "Creating"
    if type(s) == "table" and s.phase ~= nil then
      phase = s.phase
    end
    table.insert(clusterPhases, phase)
    if type(s) ~= "table" then
      table.insert(notRunning, item.clusterName .. ": no status")
    elseif phase ~= "Running" then
      table.insert(notRunning, item.clusterName .. ": " .. phase)
    end
    -- conditions: per type, the worst status wins (first cluster by name among equals)
    if type(s) == "table" and type(s.conditions) == "table" then
      for _, c in ipairs(s.conditions) do
        if type(c) == "table" and c.type ~= nil then
          local cur = conditions[c.type]
          if cur == nil then
            table.insert(conditionTypes, c.type)
          end
          if cur == nil or (conditionRank[c.status] or 2) > (conditionRank[cur.status] or 2) then
            conditions[c.type] = {
              type = c.type,
              status = c.status,
              reason = c.reason,
              message = item.clusterName .. ": " .. (c.message or ""),
              lastTransitionTime = c.lastTransitionTime,
            }
          end
        end
      end
    end
  end

  local components = {}
  for _, name in ipairs(names) do
    local phases, ready, readyTime, message = {}, true, nil, {}
    local anyMessage = false
    for _, item in ipairs(items) do
      local s = item.status
      local cs = nil
      if type(s) == "table" and type(s.components) == "table" then
        cs = s.components[name]
      end
      if type(cs) == "table" then
        table.insert(phases, cs.phase or "Creating")
        if cs.podsReady ~= true then
          ready = false
        elseif cs.podsReadyTime ~= nil and (readyTime == nil or cs.podsReadyTime > readyTime) then
          readyTime = cs.podsReadyTime
        end
        if type(cs.message) == "table" then
          for k, v in pairs(cs.message) do
            message[item.clusterName .. "/" .. k] = v
            anyMessage = true
          end
        end
      else
        table.insert(phases, "Creating")
        ready = false
      end
    end
    local merged = {phase = mergePhases(phases), podsReady = ready}
    if ready then
      merged.podsReadyTime = readyTime
    end
    if anyMessage then
      merged.message = message
    end
    components[name] = merged
  end

  local status = {phase = mergePhases(clusterPhases)}
  if #names > 0 then
    status.components = components
  end
  if #notRunning > 0 then
    status.message = table.concat(notRunning, "; ")
  end
  if #conditionTypes > 0 then
    status.conditions = {}
    for _, t in ipairs(conditionTypes) do
      table.insert(status.conditions, conditions[t])
    end
  end
  desiredObj.status = status
  return desiredObj
end
