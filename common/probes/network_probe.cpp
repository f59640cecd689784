// `network`: interfaces, addresses, link state, default routes, DNS servers; optional resolve/connect.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>

#include "common/probes/families.hpp"
#include "common/probes/net_checks.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr double kSlowResolveMs = 1000.0;
constexpr unsigned kIffUp = 0x1;
constexpr unsigned kRtfUp = 0x1;

nlohmann::json interfaces_json(const ProbeContext& ctx, const std::vector<InterfaceAddress>& addresses) {
  nlohmann::json out = nlohmann::json::array();
  std::error_code ec;
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(ctx.sys / "class/net", ec)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    std::string name = dir.filename().string();
    std::string oper = util::read_line(dir / "operstate").value_or("unknown");
    auto flags = util::parse_number<unsigned>(util::read_line(dir / "flags").value_or("0x0").substr(2), 16).value_or(0);
    auto carrier = util::read_line(dir / "carrier");  // unreadable while the interface is down
    bool loopback = util::read_line(dir / "type").value_or("") == "772";  // ARPHRD_LOOPBACK
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& a : addresses) {
      if (a.interface == name) addrs.push_back({{"family", a.family}, {"address", a.address}, {"prefix", a.prefix_length}});
    }
    out.push_back({{"name", name},
                   {"operstate", oper},
                   {"up", oper == "up" || (oper == "unknown" && (flags & kIffUp) != 0)},
                   {"carrier", carrier ? nlohmann::json(*carrier == "1") : nlohmann::json(nullptr)},
                   {"loopback", loopback},
                   {"mac", util::read_line(dir / "address").value_or("")},
                   {"mtu", util::parse_number<int>(util::read_line(dir / "mtu").value_or("")).value_or(0)},
                   {"addresses", addrs}});
  }
  return out;
}

std::string ipv4_hex(std::string_view hex) {  // /proc/net/route stores addresses little-endian
  auto v = util::parse_number<std::uint32_t>(hex, 16).value_or(0);
  return fmt::format("{}.{}.{}.{}", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24);
}

std::string ipv6_hex(std::string_view hex) {  // 32 hex digits (network order) -> canonical text
  in6_addr addr{};
  for (std::size_t i = 0; i < 16 && 2 * i + 2 <= hex.size(); ++i) {
    addr.s6_addr[i] = util::parse_number<std::uint8_t>(hex.substr(2 * i, 2), 16).value_or(0);
  }
  char text[INET6_ADDRSTRLEN] = {};
  return inet_ntop(AF_INET6, &addr, text, sizeof text) ? text : std::string(hex);
}

nlohmann::json default_routes(const ProbeContext& ctx) {
  nlohmann::json v4 = nlohmann::json::array(), v6 = nlohmann::json::array();
  std::string route = util::read_text(ctx.proc / "net/route").value_or("");
  for (auto line : util::lines(route)) {
    auto f = util::split_ws(line);
    if (f.size() < 8 || f[1] != "00000000" || f[7] != "00000000") continue;
    auto flags = util::parse_number<unsigned>(f[3], 16).value_or(0);
    if ((flags & kRtfUp) == 0) continue;
    v4.push_back({{"interface", f[0]}, {"gateway", ipv4_hex(f[2])}, {"metric", util::parse_number<long>(f[6]).value_or(0)}});
  }
  std::string route6 = util::read_text(ctx.proc / "net/ipv6_route").value_or("");
  for (auto line : util::lines(route6)) {
    auto f = util::split_ws(line);
    if (f.size() < 10 || f[0] != std::string(32, '0') || f[1] != "00" || f[9] == "lo") continue;
    auto flags = util::parse_number<unsigned>(f[8], 16).value_or(0);
    if ((flags & kRtfUp) == 0) continue;
    v6.push_back({{"interface", f[9]}, {"gateway", ipv6_hex(f[4])},
                  {"metric", util::parse_number<unsigned long>(f[5], 16).value_or(0)}});
  }
  return {{"ipv4", v4}, {"ipv6", v6}};
}

nlohmann::json dns_json(const ProbeContext& ctx) {
  nlohmann::json servers = nlohmann::json::array(), search = nlohmann::json::array();
  std::string resolv = util::read_text(ctx.resolv_conf).value_or("");
  for (auto line : util::lines(resolv)) {
    auto f = util::split_ws(line);
    if (f.size() >= 2 && f[0] == "nameserver") servers.push_back(f[1]);
    if (f.size() >= 2 && (f[0] == "search" || f[0] == "domain")) {
      for (std::size_t i = 1; i < f.size(); ++i) search.push_back(f[i]);
    }
  }
  return {{"nameservers", servers}, {"search", search}, {"source", ctx.resolv_conf.string()}};
}

void passive_findings(ProbeOutput& out) {
  const auto& ifs = out.data["interfaces"];
  bool any_up = std::any_of(ifs.begin(), ifs.end(), [](const auto& i) { return i["up"] && !i["loopback"]; });
  out.add("link", any_up ? Severity::ok : Severity::critical,
          any_up ? "at least one non-loopback interface is up" : "no non-loopback network interface is up");
  const auto& routes = out.data["default_routes"];
  bool has_route = !routes["ipv4"].empty() || !routes["ipv6"].empty();
  out.add("default_route", has_route ? Severity::ok : Severity::warning,
          has_route ? fmt::format("{} IPv4 and {} IPv6 default route(s)", routes["ipv4"].size(), routes["ipv6"].size())
                    : "no default route (IPv4 or IPv6): only local networks are reachable");
  auto servers = out.data["dns"]["nameservers"].size();
  out.add("dns_servers", servers > 0 ? Severity::ok : Severity::warning,
          servers > 0 ? fmt::format("{} nameserver(s) configured", servers)
                      : "no nameserver in " + out.data["dns"]["source"].get<std::string>(),
          servers);
}

// False (and an `unknown` finding) when the session has used up its active checks for now.
bool within_budget(ProbeOutput& out, const ProbeContext& ctx, const std::string& check) {
  auto& budget = ctx.net_budget ? *ctx.net_budget : process_net_check_budget();
  if (budget.take()) return true;
  out.add(check, Severity::unknown,
          fmt::format("not run: at most {} network checks per minute", NetCheckBudget::kPerMinute));
  return false;
}

void active_checks(ProbeOutput& out, const ProbeContext& ctx, const ProbeArgs& args) {
  if (auto name = args.get("resolve"); name && within_budget(out, ctx, "resolve:" + *name)) {
    auto r = resolve_check(*name, ctx.allow_local_targets);
    double ms = r["elapsed_ms"].get<double>();
    Severity s = !r["error"].is_null() ? Severity::critical : ms >= kSlowResolveMs ? Severity::warning : Severity::ok;
    const auto withheld = r["withheld"].get<std::size_t>();
    const std::string not_shown =
        withheld > 0 ? fmt::format(" ({} local or private address(es) not shown)", withheld) : std::string();
    out.add("resolve:" + *name, s,
            r["error"].is_null() ? fmt::format("{} resolved to {} address(es) in {:.1f} ms (warning >= {} ms){}", *name,
                                               r["addresses"].size() + withheld, ms, kSlowResolveMs, not_shown)
                                 : fmt::format("cannot resolve {}: {}", *name, r["error"].get<std::string>()),
            ms);
    out.data["resolve"] = std::move(r);
  }
  if (auto target = args.get("connect"); target && within_budget(out, ctx, "connect:" + *target)) {
    auto limit = std::min(std::chrono::milliseconds(args.get_int("connect_timeout_ms", 3000)), ctx.remaining());
    auto c = connect_check(*target, limit, ctx.allow_local_targets);
    double ms = c["elapsed_ms"].get<double>();
    const Severity s = c["connected"] ? Severity::ok : c["refused_local"] ? Severity::unknown : Severity::critical;
    out.add("connect:" + *target, s,
            c["connected"]       ? fmt::format("TCP connect to {} succeeded in {:.1f} ms", *target, ms)
            : c["refused_local"] ? fmt::format("TCP connect to {} not tried: {}", *target, c["error"].get<std::string>())
                                 : fmt::format("TCP connect to {} failed: {}", *target, c["error"].get<std::string>()),
            ms);
    out.data["connect"] = std::move(c);
  }
}

std::expected<ProbeOutput, Error> run_network(const ProbeContext& ctx, const ProbeArgs& args) {
  auto addresses = ctx.sources.interface_addresses ? ctx.sources.interface_addresses() : real_interface_addresses();
  ProbeOutput out;
  out.data["interfaces"] = interfaces_json(ctx, addresses.value_or(std::vector<InterfaceAddress>{}));
  if (!addresses) out.add("addresses", Severity::unknown, "cannot list addresses: " + addresses.error().detail);
  out.data["default_routes"] = default_routes(ctx);
  out.data["dns"] = dns_json(ctx);
  passive_findings(out);
  active_checks(out, ctx, args);
  return out;
}

std::optional<std::string> check_hostname(std::string_view name) {
  bool ok = name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':';
            });
  return ok ? std::nullopt : std::optional<std::string>("expected a host name or address");
}

std::optional<std::string> check_target(std::string_view target) {
  std::string host, port;
  if (!split_host_port(std::string(target), host, port)) return "expected HOST:PORT (port 1-65535, [v6]:port)";
  return check_hostname(host);
}

}  // namespace

ProbeInfo network_probe_info() {
  return {"network",
          "interfaces, addresses, link state, default routes, DNS servers; optional resolve and TCP connect checks",
          {{"resolve", ArgType::string, "host name to resolve with getaddrinfo, timed", 0, 0, check_hostname},
           {"connect", ArgType::string, "HOST:PORT to open a TCP connection to, timed", 0, 0, check_target},
           {"connect_timeout_ms", ArgType::integer, "connect timeout in ms (default 3000)", 1, 10000, {}}},
          run_network,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
