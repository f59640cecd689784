#include "host/input/x11_keymap.hpp"

#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/keysym.h>
#include <xkbcommon/xkbcommon.h>

#include <bit>
#include <climits>
#include <array>

namespace elfdesk::host {

struct X11Keymap::Desc {
  XkbDescPtr xkb = nullptr;
  Desc() = default;
  Desc(const Desc&) = delete;
  Desc& operator=(const Desc&) = delete;
  ~Desc() {
    if (xkb != nullptr) XkbFreeKeyboard(xkb, XkbAllComponentsMask, True);
  }
};

namespace {

// The level XKB computes for a key of this type under modifier state `mods`.
unsigned level_for(XkbDescPtr xkb, unsigned keycode, unsigned group, unsigned mods) {
  const XkbKeyTypePtr type = XkbKeyKeyType(xkb, keycode, group);
  const unsigned masked = mods & type->mods.mask;
  for (int i = 0; i < type->map_count; ++i) {
    const XkbKTMapEntryRec& entry = type->map[i];
    if (entry.active && entry.mods.mask == masked) return entry.level;
  }
  return 0;
}

unsigned effective_group(XkbDescPtr xkb, unsigned keycode, unsigned group) {
  const unsigned groups = XkbKeyNumGroups(xkb, keycode);
  return group < groups ? group : group % groups;  // XKB's default "wrap" group handling
}

}  // namespace

X11Keymap::X11Keymap(std::unique_ptr<Desc> desc) : desc_(std::move(desc)) {}
X11Keymap::X11Keymap(X11Keymap&&) noexcept = default;
X11Keymap& X11Keymap::operator=(X11Keymap&&) noexcept = default;
X11Keymap::~X11Keymap() = default;

std::expected<X11Keymap, Error> X11Keymap::load(_XDisplay* display) {
  auto desc = std::make_unique<Desc>();
  desc->xkb = XkbGetMap(display, XkbKeyTypesMask | XkbKeySymsMask | XkbModifierMapMask, XkbUseCoreKbd);
  if (desc->xkb == nullptr || desc->xkb->map == nullptr || desc->xkb->map->modmap == nullptr)
    return std::unexpected(make_error(ErrorCode::unavailable, "XKB keymap not available"));
  X11Keymap keymap(std::move(desc));
  unsigned alt = 0;
  unsigned super = 0;
  for (unsigned kc = keymap.min_keycode(); kc <= keymap.max_keycode(); ++kc) {
    const std::uint32_t ks = keymap.keysym_at(kc, 0, 0);
    if (ks == XK_ISO_Level3_Shift) keymap.level3_mods_ |= keymap.modmap(kc);
    if (ks == XK_Alt_L || ks == XK_Alt_R || ks == XK_Meta_L) alt |= keymap.modmap(kc);
    if (ks == XK_Super_L || ks == XK_Super_R) super |= keymap.modmap(kc);
  }
  keymap.level3_mods_ &= ~static_cast<unsigned>(ShiftMask | LockMask | ControlMask);
  keymap.shortcut_mods_ = ControlMask | (alt != 0 ? alt : Mod1Mask) | (super != 0 ? super : Mod4Mask);
  keymap.shortcut_mods_ &= ~keymap.level3_mods_;
  return keymap;
}

unsigned X11Keymap::min_keycode() const { return desc_->xkb->min_key_code; }
unsigned X11Keymap::max_keycode() const { return desc_->xkb->max_key_code; }

unsigned X11Keymap::modmap(unsigned keycode) const {
  if (keycode < min_keycode() || keycode > max_keycode()) return 0;
  return desc_->xkb->map->modmap[keycode];
}

std::uint32_t X11Keymap::keysym_at(unsigned keycode, unsigned group, unsigned level) const {
  XkbDescPtr xkb = desc_->xkb;
  if (keycode < min_keycode() || keycode > max_keycode()) return 0;
  if (group >= XkbKeyNumGroups(xkb, keycode) || level >= XkbKeyGroupWidth(xkb, keycode, group)) return 0;
  return static_cast<std::uint32_t>(XkbKeySymEntry(xkb, keycode, level, group));
}

unsigned X11Keymap::modifier_key(unsigned mod_bit) const {
  std::array<std::uint32_t, 2> preferred = {XK_ISO_Level3_Shift, XK_ISO_Level3_Shift};
  if (mod_bit == ShiftMask) preferred = {XK_Shift_L, XK_Shift_R};
  if (mod_bit == ControlMask) preferred = {XK_Control_L, XK_Control_R};
  for (const std::uint32_t want : preferred)
    for (unsigned kc = min_keycode(); kc <= max_keycode(); ++kc)
      if ((modmap(kc) & mod_bit) != 0 && keysym_at(kc, 0, 0) == want) return kc;
  for (unsigned kc = min_keycode(); kc <= max_keycode(); ++kc) {
    const std::uint32_t ks = keysym_at(kc, 0, 0);
    if ((modmap(kc) & mod_bit) != 0 && ks != XK_Mode_switch && ks != XK_Caps_Lock && ks != XK_Num_Lock) return kc;
  }
  return 0;
}

std::vector<unsigned> X11Keymap::empty_keycodes() const {
  std::vector<unsigned> result;
  // Keycode 8 is skipped: some clients treat it as invalid.
  for (unsigned kc = max_keycode(); kc > min_keycode() && kc > 8; --kc)
    if (XkbKeyNumGroups(desc_->xkb, kc) == 0 && modmap(kc) == 0) result.push_back(kc);
  return result;
}

std::optional<KeyPlan> X11Keymap::plan(std::uint32_t keysym, unsigned group, unsigned mods, bool adjust) const {
  XkbDescPtr xkb = desc_->xkb;
  const std::uint32_t ucs = keysym_to_unicode(keysym);
  const unsigned adjustable = ShiftMask | level3_mods_;
  const unsigned current = mods & adjustable;
  std::vector<unsigned> combos = {0, ShiftMask};
  if (level3_mods_ != 0) combos.insert(combos.end(), {level3_mods_, level3_mods_ | ShiftMask});

  std::optional<KeyPlan> best;
  int best_cost = INT_MAX;
  auto consider = [&](int cost, KeyPlan candidate) {
    if (cost < best_cost) best_cost = cost, best = candidate;
  };
  for (unsigned kc = min_keycode(); kc <= max_keycode(); ++kc) {
    if (XkbKeyNumGroups(xkb, kc) == 0) continue;
    const unsigned g = effective_group(xkb, kc, group);
    for (unsigned level = 0; level < XkbKeyGroupWidth(xkb, kc, g); ++level) {
      const std::uint32_t ks = keysym_at(kc, g, level);
      if (ks == NoSymbol) continue;
      // An exact keysym beats a Unicode-equivalent one (KP_Add also types '+', but is a different key).
      const int match = ks == keysym ? 0 : (ucs != 0 && keysym_to_unicode(ks) == ucs ? 16 : -1);
      if (match < 0) continue;
      if (!adjust) {
        consider(match + (level_for(xkb, kc, g, mods) == level ? 0 : 4) + static_cast<int>(level), {kc, 0, 0});
        continue;
      }
      for (const unsigned combo : combos) {
        if (level_for(xkb, kc, g, (mods & ~adjustable) | combo) != level) continue;
        const int changes = std::popcount(combo ^ current);
        consider(match + 2 * changes + static_cast<int>(level), {kc, combo & ~current, current & ~combo});
      }
    }
  }
  return best;
}

std::uint32_t keysym_to_unicode(std::uint32_t keysym) {
  return keysym == 0 ? 0 : xkb_keysym_to_utf32(keysym);
}

std::uint32_t unicode_to_keysym(std::uint32_t code_point) {
  if (code_point == '\n' || code_point == '\r') return XK_Return;
  if (code_point == '\t') return XK_Tab;
  if (code_point == '\b') return XK_BackSpace;
  if ((code_point >= 0x20 && code_point <= 0x7e) || (code_point >= 0xa0 && code_point <= 0xff)) return code_point;
  if (code_point < 0x100 || code_point > 0x10ffff) return 0;
  return 0x1000000 + code_point;
}

}  // namespace elfdesk::host
