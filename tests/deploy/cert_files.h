// Serving certificates laid out as a Kubernetes Secret volume: DIR/tls.crt -> ..data/tls.crt,
// ..data -> ..<version>/, and a rotation that swaps the ..data symlink atomically, as the kubelet
// does.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "certs/generate.h"
#include "certs/pem.h"

namespace cell0::testing {

class SecretVolume {
 public:
  explicit SecretVolume(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    auto ca = certs::generate_ca();
    REQUIRE(ca.ok());
    ca_ = std::move(*ca);
    std::ofstream(dir_ / "client-ca.crt") << certs::to_pem(ca_.cert.get());
  }

  // A new serving certificate under the same CA; returns it.
  certs::KeyPair issue() const {
    auto pair = certs::issue_certificate(
        ca_, certs::CertOptions{.common_name = "localhost", .sans = {"localhost", "127.0.0.1"}, .days = 90});
    REQUIRE(pair.ok());
    return std::move(*pair);
  }

  // Publishes cert + key (the key of `key_of` when given: a broken pair) as the next version.
  void publish(const certs::KeyPair& pair, const certs::KeyPair* key_of = nullptr) {
    namespace fs = std::filesystem;
    const std::string version = "..v" + std::to_string(++version_);
    fs::create_directories(dir_ / version);
    std::ofstream(dir_ / version / "tls.crt") << certs::to_pem(pair.cert.get());
    std::ofstream(dir_ / version / "tls.key") << certs::to_pem((key_of ? key_of : &pair)->key.get());
    fs::create_directory_symlink(version, dir_ / "..data_tmp");
    REQUIRE(std::rename((dir_ / "..data_tmp").c_str(), (dir_ / "..data").c_str()) == 0);
    if (!fs::is_symlink(dir_ / "tls.crt")) {
      fs::create_symlink("..data/tls.crt", dir_ / "tls.crt");
      fs::create_symlink("..data/tls.key", dir_ / "tls.key");
    }
  }

  std::filesystem::path cert() const { return dir_ / "tls.crt"; }
  std::filesystem::path key() const { return dir_ / "tls.key"; }
  std::filesystem::path ca_file() const { return dir_ / "client-ca.crt"; }

 private:
  std::filesystem::path dir_;
  certs::KeyPair ca_;
  int version_ = 0;
};

}  // namespace cell0::testing
