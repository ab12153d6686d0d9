#pragma once
// Mutual TLS between nodes ([cluster] tls_cert, tls_key, tls_ca), carried
// in front of CAF rather than by it. CAF 0.17's OpenSSL module does mutual
// TLS, but one failed handshake on a node's port (a peer with a wrong
// certificate, or none) dropped every link that node had: all its members
// went down for a moment, again at each retry of the stranger (measured;
// tests/integration/cluster_tls.test.mjs). So CAF speaks plain BASP over
// loopback only, and this tunnel does TLS:
//  - inbound: cluster_listen takes TLS connections whose certificate the
//    CA signed, and only those reach CAF's loopback port; a handshake that
//    fails closes that socket and nothing else;
//  - outbound: to reach a member, CAF dials a one-shot loopback port that
//    takes one connection, from this process only, and carries it over
//    mutual TLS to the member's cluster_listen.
// What is left: CAF's own loopback port is open to local processes (the
// host's users are trusted; docs/security.md).
#include <cstdint>
#include <memory>
#include <string>

#include "actors/errors.hpp"

namespace boost::asio {
class io_context;
}

namespace herald {

struct cluster_tls_files {
  std::string cert, key, ca;
};

class cluster_tunnel {
 public:
  // Listens on listen_host:listen_port, forwarding to 127.0.0.1:caf_port.
  static result<std::shared_ptr<cluster_tunnel>> start(boost::asio::io_context& io, const std::string& listen_host,
                                                       uint16_t listen_port, uint16_t caf_port,
                                                       const cluster_tls_files& files);
  ~cluster_tunnel();
  // A loopback port whose next connection (within 10 s, from this
  // process) is carried to host:port. Any thread.
  result<uint16_t> dial_port(const std::string& host, uint16_t port);
  void stop();

  struct impl;

 private:
  explicit cluster_tunnel(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
  std::shared_ptr<impl> impl_;
};

}  // namespace herald
