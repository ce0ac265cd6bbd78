//! What the poisoning [`Mutex`](super::Mutex) and [`RwLock`](super::RwLock) shells share,
//! written once: the constructor, the value methods (`get_cloned`, `set`, `replace`,
//! `into_inner`, `get_mut`), poisoning (`is_poisoned`, `clear_poison`, taking over a lock left
//! by a holder that died), and `Default`, `From` and `Debug`.
//!
//! A shell is `{ raw, poison: Flag, data: UnsafeCell<T> }` whose raw lock has `new`,
//! `held_by_dead` (a snapshot: is it held by a thread that died without unwinding) and
//! `clear_dead` (with exclusive access: release such a lock, say whether there was one).

/// Writes the shared part of a poisoning lock shell `$Lock<T>` over `$Raw`, whose shared
/// access is `$read`/`$try_read` and exclusive access `$write` (`$path` names it in examples).
macro_rules! poisoning_lock_shell {
    ($Lock:ident, $Raw:ty, $path:literal, read: $read:ident, $try_read:ident, write: $write:ident) => {
        impl<T> $Lock<T> {
            $crate::atomic::const_unless_loom! {
                #[doc = concat!("Creates an unlocked `", stringify!($Lock), "` holding `t`.")]
                ///
                /// # Examples
                #[doc = concat!("```\nstatic V: ", $path, "<u32> = ", $path, "::new(0);\n```")]
                #[inline]
                pub fn new(t: T) -> $Lock<T> {
                    $Lock { raw: <$Raw>::new(), poison: $crate::sync::poison::Flag::new(), data: core::cell::UnsafeCell::new(t) }
                }
            }

            /// A clone of the value, taken under the lock.
            ///
            /// # Errors
            /// `Err(PoisonError(()))` if the lock is poisoned.
            ///
            /// # Examples
            #[doc = concat!("```\nassert_eq!(", $path, "::new(7).get_cloned().unwrap(), 7);\n```")]
            pub fn get_cloned(&self) -> Result<T, $crate::sync::PoisonError<()>>
            where
                T: Clone,
            {
                match self.$read() {
                    Ok(guard) => Ok((*guard).clone()),
                    Err(_) => Err($crate::sync::PoisonError::new(())),
                }
            }

            /// Stores `value` under the lock; the old value is dropped after the unlock.
            ///
            /// # Errors
            /// `Err(PoisonError(value))` if the lock is poisoned (nothing is stored).
            ///
            /// # Examples
            #[doc = concat!("```\nlet l = ", $path, "::new(1);\nl.set(2).unwrap();\nassert_eq!(l.get_cloned().unwrap(), 2);\n```")]
            pub fn set(&self, value: T) -> Result<(), $crate::sync::PoisonError<T>> {
                self.replace(value).map(drop)
            }

            /// Stores `value` under the lock and returns the old value.
            ///
            /// # Errors
            /// `Err(PoisonError(value))` if the lock is poisoned (nothing is stored).
            ///
            /// # Examples
            #[doc = concat!("```\nlet l = ", $path, "::new(1);\nassert_eq!(l.replace(2).unwrap(), 1);\n```")]
            pub fn replace(&self, value: T) -> $crate::sync::LockResult<T> {
                match self.$write() {
                    Ok(mut guard) => Ok(core::mem::replace(&mut *guard, value)),
                    Err(_) => Err($crate::sync::PoisonError::new(value)),
                }
            }

            /// Consumes the lock and returns the value.
            ///
            /// # Errors
            /// `Err(PoisonError)` carrying the value if the lock is poisoned.
            ///
            /// # Examples
            #[doc = concat!("```\nassert_eq!(", $path, "::new(5).into_inner().unwrap(), 5);\n```")]
            pub fn into_inner(mut self) -> $crate::sync::LockResult<T> {
                let poisoned = self.take_dead_holder();
                let data = self.data.into_inner();
                if poisoned { Err($crate::sync::PoisonError::new(data)) } else { Ok(data) }
            }
        }

        impl<T: ?Sized> $Lock<T> {
            /// Whether a thread panicked (or trapped) while holding the lock exclusively.
            ///
            /// # Examples
            #[doc = concat!("```\nuse wthreads::sync::Arc;\nlet l = Arc::new(", $path, "::new(0));\nlet l2 = Arc::clone(&l);\nlet _ = wthreads::thread::spawn(move || {\n    let _g = l2.", stringify!($write), "().unwrap();\n    panic!(\"dies holding the lock\");\n})\n.join();\nassert!(l.is_poisoned());\n```")]
            pub fn is_poisoned(&self) -> bool {
                // A holder that died is not noticed by anyone until the next lock: look now.
                self.poison.get() || self.raw.held_by_dead()
            }

            /// Clears the poison flag.
            ///
            /// # Examples
            #[doc = concat!("```\nlet l = ", $path, "::new(0);\nl.clear_poison();\nassert!(!l.is_poisoned());\n```")]
            pub fn clear_poison(&self) {
                self.poison.clear();
            }

            /// Mutable access without locking: the borrow checker proves exclusivity.
            ///
            /// # Errors
            /// `Err(PoisonError)` carrying the reference if the lock is poisoned.
            ///
            /// # Examples
            #[doc = concat!("```\nlet mut l = ", $path, "::new(0);\n*l.get_mut().unwrap() = 10;\nassert_eq!(l.into_inner().unwrap(), 10);\n```")]
            pub fn get_mut(&mut self) -> $crate::sync::LockResult<&mut T> {
                let poisoned = self.take_dead_holder();
                let data = self.data.get_mut();
                if poisoned { Err($crate::sync::PoisonError::new(data)) } else { Ok(data) }
            }

            /// Releases the lock of a holder that died without unwinding, marking the lock
            /// poisoned as its death would have; returns whether the lock is poisoned.
            fn take_dead_holder(&mut self) -> bool {
                if self.raw.clear_dead() {
                    self.poison.set();
                }
                self.poison.get()
            }
        }

        impl<T: Default> Default for $Lock<T> {
            fn default() -> $Lock<T> {
                $Lock::new(T::default())
            }
        }

        impl<T> From<T> for $Lock<T> {
            fn from(t: T) -> $Lock<T> {
                $Lock::new(t)
            }
        }

        impl<T: ?Sized + core::fmt::Debug> core::fmt::Debug for $Lock<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut d = f.debug_struct(stringify!($Lock));
                match self.$try_read() {
                    Ok(guard) => d.field("data", &&*guard),
                    Err($crate::sync::TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
                    Err($crate::sync::TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
                };
                d.field("poisoned", &self.is_poisoned()).finish_non_exhaustive()
            }
        }
    };
}

pub(super) use poisoning_lock_shell;
