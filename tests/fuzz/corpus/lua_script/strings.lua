function F(o)
  local s = string.format("%s-%d-%5.2f", o.kind, o.spec.replicas, 0.5)
  local a, b = string.find(s, "(%a+)-(%d+)")
  for w in string.gmatch(s, "%w+") do s = s .. w:upper() end
  return {s = s, a = a, b = b, m = string.match(s, "^(.-)%-"), sub = s:sub(2, 4), len = #s}
end
