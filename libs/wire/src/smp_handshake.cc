#include "ntf/wire/smp_handshake.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "smp_internal.h"

namespace ntf::wire::smp {

using internal::Copy;
using internal::Cursor;

// ---------------------------------------------------------------------------------------------
// Versions

absl::StatusOr<uint16_t> NegotiateVersion(VersionRange server, VersionRange client) {
  if (!server.Valid() || !client.Valid()) {
    return absl::FailedPreconditionError("VERSION: invalid version range");
  }
  const uint16_t lo = std::max(server.min, client.min);
  const uint16_t hi = std::min(server.max, client.max);
  if (lo > hi) {
    return absl::FailedPreconditionError(absl::StrCat("VERSION: server offers ", server.min, "..",
                                                      server.max, ", client supports ", client.min,
                                                      "..", client.max));
  }
  return hi;
}

SmpSessionParams SessionParamsFor(uint16_t v) {
  return SmpSessionParams{
      .version = v,
      .session_id_on_wire = v < kVersionAuthCmds,
      .server_auth_key = v >= kVersionAuthCmds,
      .skey = v >= kVersionSndAuthKey,
      .deld_event = v >= kVersionDeletedEvent,
      .block_encryption_possible = v >= kVersionEncryptedBlock,
      .blocked_error = v >= kVersionBlockedEntity,
      .proxy_flag = v >= kVersionProxyServerFlag,
      .service_byte = v >= kVersionServiceCerts,
      .nsub_answers_sok = v >= kVersionServiceCerts,
      .ntf_creds_in_new = v >= kVersionNewNtfCreds,
  };
}

bool UsesBlockEncryption(uint16_t version, bool client_sent_dh_key, bool proxy) {
  return version >= kVersionEncryptedBlock && client_sent_dh_key && !proxy;
}

// ---------------------------------------------------------------------------------------------
// SPKI

namespace {

struct SpkiLayout {
  KeyAlgorithm algorithm;
  uint8_t prefix[12];
  size_t raw_size;
};

constexpr SpkiLayout kSpkiLayouts[] = {
    {KeyAlgorithm::kEd25519,
     {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00},
     32},
    {KeyAlgorithm::kX25519,
     {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00},
     32},
    {KeyAlgorithm::kEd448,
     {0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00},
     57},
    {KeyAlgorithm::kX448,
     {0x30, 0x42, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x03, 0x39, 0x00},
     56},
};

const SpkiLayout& LayoutOf(KeyAlgorithm a) {
  for (const SpkiLayout& l : kSpkiLayouts) {
    if (l.algorithm == a) return l;
  }
  return kSpkiLayouts[0];  // unreachable: every enumerator has a layout
}

}  // namespace

std::optional<KeyAlgorithm> SpkiAlgorithm(ByteSpan spki) {
  for (const SpkiLayout& l : kSpkiLayouts) {
    if (spki.size() == sizeof(l.prefix) + l.raw_size &&
        std::equal(std::begin(l.prefix), std::end(l.prefix), spki.begin())) {
      return l.algorithm;
    }
  }
  return std::nullopt;
}

size_t RawKeySize(KeyAlgorithm algorithm) { return LayoutOf(algorithm).raw_size; }

absl::StatusOr<Bytes> MakeSpki(KeyAlgorithm algorithm, ByteSpan raw_key) {
  const SpkiLayout& l = LayoutOf(algorithm);
  if (raw_key.size() != l.raw_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw key of ", raw_key.size(), " bytes, expected ", l.raw_size));
  }
  Bytes out(std::begin(l.prefix), std::end(l.prefix));
  out.insert(out.end(), raw_key.begin(), raw_key.end());
  return out;
}

ByteSpan SpkiRawKey(ByteSpan spki) {
  if (!SpkiAlgorithm(spki)) return {};
  return spki.subspan(12);
}

bool IsAuthKeySpki(ByteSpan spki) {
  const std::optional<KeyAlgorithm> a = SpkiAlgorithm(spki);
  return a && *a != KeyAlgorithm::kX448;
}

bool IsX25519Spki(ByteSpan spki) { return SpkiAlgorithm(spki) == KeyAlgorithm::kX25519; }

// ---------------------------------------------------------------------------------------------
// Transport errors

namespace {

struct TransportErrorName {
  TransportError error;
  std::string_view text;
};

constexpr TransportErrorName kTransportErrors[] = {
    {TransportError::kBlock, "BLOCK"},
    {TransportError::kVersion, "VERSION"},
    {TransportError::kLargeMsg, "LARGE_MSG"},
    {TransportError::kSession, "SESSION"},
    {TransportError::kNoServerAuth, "NO_AUTH"},
    {TransportError::kHandshakeParse, "HANDSHAKE PARSE"},
    {TransportError::kHandshakeIdentity, "HANDSHAKE IDENTITY"},
    {TransportError::kHandshakeBadAuth, "HANDSHAKE BAD_AUTH"},
    {TransportError::kHandshakeBadService, "HANDSHAKE BAD_SERVICE"},
};

}  // namespace

std::string_view TransportErrorText(TransportError e) {
  for (const TransportErrorName& n : kTransportErrors) {
    if (n.error == e) return n.text;
  }
  return "BLOCK";  // unreachable
}

namespace internal {

// The reference reads a word up to a space; for HANDSHAKE, a space and a second word (which ends
// at a space or a newline).
std::optional<TransportError> ParseTransportError(Cursor& c) {
  const std::string_view word = c.Word();
  std::string text(word);
  if (word == "HANDSHAKE") {
    c.Space("transport error");
    text = absl::StrCat(text, " ", std::string(c.Word(" \n")));
  }
  if (!c.ok()) return std::nullopt;
  for (const TransportErrorName& n : kTransportErrors) {
    if (n.text == text) return n.error;
  }
  c.Fail(absl::StrCat("unknown transport error \"", text, "\""));
  return std::nullopt;
}

}  // namespace internal

absl::StatusOr<TransportError> ParseTransportError(std::string_view text) {
  Cursor c(AsSpan(text));
  const std::optional<TransportError> e = internal::ParseTransportError(c);
  if (absl::Status s = c.Done("transport error"); !s.ok()) return s;
  return *e;
}

// ---------------------------------------------------------------------------------------------
// Handshake messages

namespace {

void WriteCertChainPubKey(Writer& w, const CertChainPubKey& ck) {
  w.U8(static_cast<uint8_t>(ck.cert_chain.size()));
  for (const Bytes& cert : ck.cert_chain) w.Large(cert);
  w.Large(ck.signed_key);
}

absl::Status CheckCertChainPubKey(const CertChainPubKey& ck) {
  if (ck.cert_chain.empty() || ck.cert_chain.size() > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate chain of ", ck.cert_chain.size(), " certificates (1..255)"));
  }
  return absl::OkStatus();
}

std::optional<CertChainPubKey> ReadCertChainPubKey(Cursor& c) {
  CertChainPubKey ck;
  const uint8_t count = c.U8("certificate count");
  if (c.ok() && count == 0) c.Fail("certificate chain: empty");
  for (int i = 0; i < count && c.ok(); ++i) ck.cert_chain.push_back(c.LargeBytes("certificate"));
  ck.signed_key = c.LargeBytes("signed key");
  if (!c.ok()) return std::nullopt;
  return ck;
}

}  // namespace

absl::StatusOr<Bytes> EncodeServerHello(const ServerHello& hello) {
  if (!hello.versions.Valid()) return absl::InvalidArgumentError("server hello: min > max");
  Writer w;
  w.U16(hello.versions.min).U16(hello.versions.max).Short(hello.session_id);
  if (hello.auth) {
    if (hello.versions.max < kVersionAuthCmds) {
      return absl::InvalidArgumentError("server hello: cert chain and key need max version >= 7");
    }
    if (absl::Status s = CheckCertChainPubKey(*hello.auth); !s.ok()) return s;
    WriteCertChainPubKey(w, *hello.auth);
  }
  return w.Finish();
}

absl::StatusOr<ServerHello> DecodeServerHello(ByteSpan content) {
  Cursor c(content);
  ServerHello hello;
  hello.versions.min = c.U16("server hello: min version");
  hello.versions.max = c.U16("server hello: max version");
  hello.session_id = c.ShortBytes("server hello: session id");
  if (!c.ok()) return c.status();
  if (!hello.versions.Valid()) return absl::InvalidArgumentError("server hello: min > max");
  if (hello.versions.max >= kVersionAuthCmds) {
    const size_t mark = c.pos();
    std::optional<CertChainPubKey> auth = ReadCertChainPubKey(c);
    if (auth) {
      hello.auth = std::move(auth);
    } else {
      c.Rewind(mark);  // optional in the reference parser: absent when it does not parse
    }
  }
  return hello;
}

absl::StatusOr<Bytes> EncodeClientHello(const ClientHello& hello) {
  const uint16_t v = hello.version;
  Writer w;
  w.U16(v).Short(hello.key_hash);
  if (hello.dh_key) {
    if (v < kVersionAuthCmds) {
      return absl::InvalidArgumentError("client hello: DH key needs version >= 7");
    }
    if (!IsX25519Spki(*hello.dh_key)) {
      return absl::InvalidArgumentError("client hello: DH key is not an X25519 SPKI");
    }
    w.Short(*hello.dh_key);
  }
  if (v >= kVersionProxyServerFlag) {
    w.Bool(hello.proxy);
  } else if (hello.proxy) {
    return absl::InvalidArgumentError("client hello: proxy flag needs version >= 14");
  }
  if (v >= kVersionServiceCerts) {
    w.MaybeTag(hello.service.has_value());
    if (hello.service) {
      if (absl::Status s = CheckCertChainPubKey(hello.service->cert_key); !s.ok()) return s;
      w.U8(static_cast<uint8_t>(hello.service->role));
      WriteCertChainPubKey(w, hello.service->cert_key);
    }
  } else if (hello.service) {
    return absl::InvalidArgumentError("client hello: service needs version >= 16");
  }
  return w.Finish();
}

absl::StatusOr<ClientHello> DecodeClientHello(ByteSpan content) {
  Cursor c(content);
  ClientHello hello;
  hello.version = c.U16("client hello: version");
  hello.key_hash = c.ShortBytes("client hello: key hash");
  if (!c.ok()) return c.status();
  const uint16_t v = hello.version;
  if (v >= kVersionAuthCmds) {
    const size_t mark = c.pos();
    ByteSpan key = c.Short("client hello: DH key");
    if (c.ok() && IsX25519Spki(key)) {
      hello.dh_key = Copy(key);
    } else {
      c.Rewind(mark);  // no key: the next field follows directly
    }
  }
  if (v >= kVersionProxyServerFlag) hello.proxy = c.Bool("client hello: proxy flag");
  if (v >= kVersionServiceCerts && c.MaybeTag("client hello: service")) {
    ServiceHello service;
    const uint8_t role = c.U8("client hello: service role");
    if (c.ok() && role != 'M' && role != 'N' && role != 'P') {
      c.Fail("client hello: service role must be 'M', 'N' or 'P'");
    }
    service.role = static_cast<ServiceRole>(role);
    if (std::optional<CertChainPubKey> ck = ReadCertChainPubKey(c)) {
      service.cert_key = std::move(*ck);
    }
    hello.service = std::move(service);
  }
  if (!c.ok()) return c.status();
  return hello;
}

absl::StatusOr<Bytes> EncodeServiceResponse(const ServiceResponse& response) {
  Writer w;
  if (response.service_id) {
    w.U8('R').Short(*response.service_id);
  } else {
    w.U8('E').Raw(TransportErrorText(response.error));
  }
  return w.Finish();
}

absl::StatusOr<ServiceResponse> DecodeServiceResponse(ByteSpan content) {
  Cursor c(content);
  ServiceResponse response;
  const uint8_t tag = c.U8("service response");
  if (tag == 'R') {
    response.service_id = c.ShortBytes("service response: service id");
  } else if (tag == 'E') {
    if (std::optional<TransportError> e = internal::ParseTransportError(c)) response.error = *e;
  } else if (c.ok()) {
    c.Fail("service response: expected 'R' or 'E'");
  }
  if (!c.ok()) return c.status();
  return response;
}

}  // namespace ntf::wire::smp
