function F(obj, desiredReplica)
  obj.spec = obj.spec or {}
  obj.spec.replicas = desiredReplica
  return obj
end
