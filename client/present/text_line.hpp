// One line of overlay text as the viewer asks for it (panels, menu): its words, colour and how a wrapped
// continuation is indented. Plain data, any thread; no SDL here, so the viewer's headers stay free of it.
#pragma once
#include <cstdint>
#include <string>

namespace elfdesk::client {

struct TextColour {
  std::uint8_t r = 235, g = 235, b = 235;
  friend bool operator==(const TextColour&, const TextColour&) = default;
};

namespace text_colour {
inline constexpr TextColour kNormal{235, 235, 235};
inline constexpr TextColour kDim{140, 140, 140};     // disabled menu items, hints
inline constexpr TextColour kCritical{255, 80, 80};  // severity colours of findings
inline constexpr TextColour kWarning{255, 191, 0};
inline constexpr TextColour kOk{80, 220, 100};
inline constexpr TextColour kUnknown{150, 170, 255};
inline constexpr TextColour kHeading{255, 255, 255};
}  // namespace text_colour

struct TextLine {
  std::string text;
  TextColour colour = text_colour::kNormal;
  int indent = 0;          // characters: where a wrapped continuation starts (a table's last column)
  bool highlight = false;  // drawn on a lighter band: the menu's selection
  friend bool operator==(const TextLine&, const TextLine&) = default;
};

}  // namespace elfdesk::client
