function F(o)
  local t = {}
  for i, v in ipairs(o.spec.list) do t[#t + 1] = {i = i, v = v} end
  table.sort(t, function(x, y) return tostring(x.v) > tostring(y.v) end)
  local ok, err = pcall(error, {code = 1})
  o.status = {items = t, ok = ok, n = select("#", unpack({1, 2, 3})), empty = {}}
  return o
end
