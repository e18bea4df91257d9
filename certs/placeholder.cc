// placeholder until the first certs source lands
