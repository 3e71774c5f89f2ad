// Outcome<T>: a value or a one-line message saying why there is none. The
// CLI's error type: every failure a user can cause ends as such a line on
// stderr and a non-zero exit, never an exception or a crash.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace runnel::cli {

struct Failure {
  std::string message;
};

inline Failure fail(std::string message) {
  return Failure{std::move(message)};
}

// The value of an Outcome that carries none.
struct Unit {};

template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Outcome(Failure failure) : state_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  const std::string& error() const { return std::get<Failure>(state_).message; }
  Failure failure() const { return std::get<Failure>(state_); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &std::get<T>(state_); }
  const T* operator->() const { return &std::get<T>(state_); }
  T& operator*() { return std::get<T>(state_); }
  const T& operator*() const { return std::get<T>(state_); }

 private:
  std::variant<T, Failure> state_;
};

using Done = Outcome<Unit>;
inline Done done() {
  return Unit{};
}

}  // namespace runnel::cli
