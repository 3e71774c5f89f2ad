// DefaultInitAllocator: a std::allocator whose value-less construct leaves
// the element default-initialised, so `resize` on a vector of bytes does not
// zero memory that is about to be overwritten (a request frame read from a
// socket, for one: zeroing it cost as much as the copy the kernel makes).
#pragma once

#include <memory>
#include <new>
#include <utility>

namespace runnel {

template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  using std::allocator<T>::allocator;

  template <typename U>
  void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<std::allocator<T>>::construct(static_cast<std::allocator<T>&>(*this), p,
                                                        std::forward<Args>(args)...);
  }
};

}  // namespace runnel
