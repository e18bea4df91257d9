function F(obj, desiredReplica)
  obj.spec.replicas = desiredReplica
  return obj
end
