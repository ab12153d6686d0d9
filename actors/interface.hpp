#pragma once
// How an interface is declared: the message structs an actor kind accepts,
// as one type list in its protocol header. Receivers build their handlers
// against it (`handlers_of<I>`): handlers missing one of its messages do
// not compile. A struct's fields are its arguments, so a message with the
// wrong arguments does not compile either. (Senders are not checked
// against the receiver's interface: a message no handler takes is dropped
// and logged by CAF at run time.)
#include <tuple>
#include <type_traits>
#include <utility>

#include <caf/behavior.hpp>

namespace herald {

// An interface is a struct derived from interface<messages...>, so that it
// can be named before its messages are declared (a typed handle to it sits
// in types.hpp, below the protocols): struct user_interface : interface<...> {};
template <class... Ts>
struct interface {
  using list = interface<Ts...>;
};

template <class L, class T>
struct in_list;
template <class... Ts, class T>
struct in_list<interface<Ts...>, T> : std::bool_constant<(std::is_same_v<Ts, std::decay_t<T>> || ...)> {};
template <class I, class T>
inline constexpr bool in_interface_v = in_list<typename I::list, T>::value;

// Every message of interface I is one of J's.
template <class L, class J>
struct all_in;
template <class... Ts, class J>
struct all_in<interface<Ts...>, J> : std::bool_constant<(in_interface_v<J, Ts> && ...)> {};
template <class I, class J>
struct part_of : all_in<typename I::list, J> {};
template <class I, class J>
inline constexpr bool part_of_v = part_of<I, J>::value;

// The messages of several interfaces, for an actor that implements them all.
template <class... Ls>
struct concat;
template <class... Ts>
struct concat<interface<Ts...>> {
  using type = interface<Ts...>;
};
template <class... Ts, class... Us, class... Rest>
struct concat<interface<Ts...>, interface<Us...>, Rest...> : concat<interface<Ts..., Us...>, Rest...> {};
template <class... Is>
using joined = typename concat<typename Is::list...>::type;

namespace detail {
// The decayed type of a handler's first argument.
template <class F>
struct first_arg : first_arg<decltype(&std::decay_t<F>::operator())> {};
template <class C, class R, class A, class... Rest>
struct first_arg<R (C::*)(A, Rest...) const> {
  using type = std::decay_t<A>;
};
template <class C, class R, class A, class... Rest>
struct first_arg<R (C::*)(A, Rest...)> {
  using type = std::decay_t<A>;
};
template <class C, class R>
struct first_arg<R (C::*)() const> {
  using type = void;
};
template <class C, class R>
struct first_arg<R (C::*)()> {
  using type = void;
};

template <class T, class... Fs>
inline constexpr bool handled = (std::is_same_v<T, typename first_arg<Fs>::type> || ...);

template <class L, class... Fs>
struct covers;
template <class... Ts, class... Fs>
struct covers<interface<Ts...>, Fs...> : std::bool_constant<(handled<Ts, Fs...> && ...)> {};
}  // namespace detail

// Handlers that must cover every message of interface I (they may handle
// more: the actor's own timers and store callbacks). A behaviour is made
// of such groups: compose(handlers_of<I1>(...), handlers_of<I2>(...), ...).
// A group is its lambdas, not a type-erased caf::message_handler, so that
// compose() builds one flat list of cases: CAF tries that by type in one
// pass, while each or_else between handlers is one more heap object per
// actor and an indirect call per message on the way to the last group
// (~5 % of the API thread in p2p pushes, docs/benchmarks.md).
template <class I, class... Fs>
auto handlers_of(Fs&&... fs) {
  static_assert(detail::covers<typename I::list, Fs...>::value, "the handlers do not cover every message of the interface");
  return std::tuple<std::decay_t<Fs>...>{std::forward<Fs>(fs)...};
}

// One handler per message of I, each calling f(message&): forwarding by
// key, handing off, with no code per message.
template <class F, class... Ts>
auto handlers_for(interface<Ts...>, F f) {
  return std::make_tuple([f](Ts& m) mutable { f(m); }...);
}

namespace detail {
template <class T>
struct is_group : std::false_type {};
template <class... Fs>
struct is_group<std::tuple<Fs...>> : std::true_type {};

template <class X>
auto as_group(X&& x) {
  if constexpr (is_group<std::decay_t<X>>::value)
    return std::decay_t<X>(std::forward<X>(x));
  else
    return std::tuple<std::decay_t<X>>(std::forward<X>(x));
}
}  // namespace detail

// Groups of handlers (and single handlers) as one, tried in order.
template <class... Xs>
auto chain(Xs&&... xs) {
  return std::tuple_cat(detail::as_group(std::forward<Xs>(xs))...);
}
// The same as a behaviour.
template <class... Xs>
caf::behavior compose(Xs&&... xs) {
  return std::apply([](auto&&... fs) { return caf::behavior{std::move(fs)...}; }, chain(std::forward<Xs>(xs)...));
}

}  // namespace herald
