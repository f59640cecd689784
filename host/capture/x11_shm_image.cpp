#include "host/capture/x11_shm_image.hpp"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <X11/Xutil.h>

namespace elfdesk::host {

namespace {
thread_local int trapped_error = 0;
int trap_handler(Display*, XErrorEvent* event) {
  if (trapped_error == 0) trapped_error = event->error_code;
  return 0;
}

// Whether the server has answered up to the last request sent, so every error it will send for them has
// come in. Then there is nothing to sync: a grab is one round trip instead of three (the capture loop's
// damage fetch answers what came before it, and XShmGetImage's own reply or error ends the trap).
bool all_answered(Display* display) { return LastKnownRequestProcessed(display) + 1 == NextRequest(display); }

}  // namespace

XErrorTrap::XErrorTrap(Display* display) : display_(display) {
  if (!all_answered(display_)) XSync(display_, False);  // errors from earlier requests are not ours to catch
  trapped_error = 0;
  previous_ = XSetErrorHandler(trap_handler);
}

int XErrorTrap::finish() {
  if (!finished_) {
    if (!all_answered(display_)) XSync(display_, False);
    XSetErrorHandler(previous_);
    finished_ = true;
  }
  return trapped_error;
}

XErrorTrap::~XErrorTrap() { finish(); }

std::expected<std::unique_ptr<ShmImage>, Error> ShmImage::create(Display* display, int screen, int width,
                                                                 int height) {
  std::unique_ptr<ShmImage> img(new ShmImage(display));
  img->image_ = XShmCreateImage(display, XDefaultVisual(display, screen),
                                static_cast<unsigned>(XDefaultDepth(display, screen)), ZPixmap, nullptr,
                                &img->info_, static_cast<unsigned>(width), static_cast<unsigned>(height));
  if (img->image_ == nullptr) return std::unexpected(make_error(ErrorCode::unavailable, "XShmCreateImage failed"));
  const XImage& x = *img->image_;
  if (x.bits_per_pixel != 32 || x.byte_order != LSBFirst || x.red_mask != 0xff0000 || x.blue_mask != 0xff) {
    return std::unexpected(make_error(ErrorCode::unavailable, "unsupported X visual (need 32-bit BGRX)"));
  }
  const auto bytes = static_cast<std::size_t>(x.bytes_per_line) * static_cast<std::size_t>(height);
  img->info_.shmid = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
  if (img->info_.shmid < 0) return std::unexpected(make_error(ErrorCode::unavailable, "shmget failed"));
  void* addr = shmat(img->info_.shmid, nullptr, 0);
  if (addr == reinterpret_cast<void*>(-1)) {
    shmctl(img->info_.shmid, IPC_RMID, nullptr);
    return std::unexpected(make_error(ErrorCode::unavailable, "shmat failed"));
  }
  img->info_.shmaddr = static_cast<char*>(addr);
  img->image_->data = img->info_.shmaddr;
  img->info_.readOnly = False;
  XErrorTrap trap(display);
  img->attached_ = XShmAttach(display, &img->info_) != 0;
  const int error = trap.finish();
  // Once the server has attached (or failed to), nobody else needs the id: removing it now means the
  // segment disappears with the last detach, even if this process crashes.
  shmctl(img->info_.shmid, IPC_RMID, nullptr);
  if (!img->attached_ || error != 0) {
    img->attached_ = false;
    return std::unexpected(make_error(ErrorCode::unavailable, "XShmAttach failed (remote display?)"));
  }
  return img;
}

ShmImage::~ShmImage() {
  if (attached_) {
    XShmDetach(display_, &info_);
    XSync(display_, False);
  }
  if (image_ != nullptr) {
    image_->data = nullptr;  // the pixels belong to the segment, not to malloc
    XDestroyImage(image_);
  }
  if (info_.shmaddr != nullptr) shmdt(info_.shmaddr);
}

bool ShmImage::grab(Window window, int x, int y) {
  XErrorTrap trap(display_);
  grab_serial_ = NextRequest(display_);  // XShmGetImage sends one request
  const bool ok = XShmGetImage(display_, window, image_, x, y, ~0UL) != 0;
  return trap.finish() == 0 && ok;
}

const std::uint8_t* ShmImage::data() const { return reinterpret_cast<const std::uint8_t*>(image_->data); }
int ShmImage::stride() const { return image_->bytes_per_line; }

}  // namespace elfdesk::host
