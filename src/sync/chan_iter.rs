//! The iterators of a channel's `Receiver` (`Iter`, `TryIter`, `IntoIter`), which `mpsc` and
//! `mpmc` each have as types of their own, as std's do: one definition, instantiated by
//! [`receiver_iterators!`] in each module.

/// Defines `Iter`, `TryIter`, `IntoIter` and the `IntoIterator` impls for the `Receiver` of the
/// module it is used in, whose path below `wthreads::sync` is `$module` (for the examples).
macro_rules! receiver_iterators {
    ($module:literal) => {
        #[doc = concat!("Iterator of [`Receiver::iter`]: waits for each message; ends when every sender is gone.\n\n# Examples\n```\nlet (tx, rx) = wthreads::sync::", $module, "::channel();\ntx.send(1).unwrap();\ndrop(tx);\nassert_eq!(rx.iter().sum::<i32>(), 1);\n```")]
        #[derive(Debug)]
        pub struct Iter<'a, T: 'a> {
            rx: &'a Receiver<T>,
        }

        #[doc = concat!("Iterator of [`Receiver::try_iter`]: the messages queued now.\n\n# Examples\n```\nlet (_tx, rx) = wthreads::sync::", $module, "::channel::<u8>();\nassert_eq!(rx.try_iter().next(), None);\n```")]
        #[derive(Debug)]
        pub struct TryIter<'a, T: 'a> {
            rx: &'a Receiver<T>,
        }

        #[doc = concat!("Owning iterator over a [`Receiver`]'s messages.\n\n# Examples\n```\nlet (tx, rx) = wthreads::sync::", $module, "::channel();\ntx.send(1).unwrap();\ndrop(tx);\nassert_eq!(rx.into_iter().collect::<Vec<_>>(), [1]);\n```")]
        #[derive(Debug)]
        pub struct IntoIter<T> {
            rx: Receiver<T>,
        }

        impl<T> Iterator for Iter<'_, T> {
            type Item = T;
            fn next(&mut self) -> Option<T> {
                self.rx.recv().ok()
            }
        }

        impl<T> Iterator for TryIter<'_, T> {
            type Item = T;
            fn next(&mut self) -> Option<T> {
                self.rx.try_recv().ok()
            }
        }

        impl<T> Iterator for IntoIter<T> {
            type Item = T;
            fn next(&mut self) -> Option<T> {
                self.rx.recv().ok()
            }
        }

        impl<'a, T> IntoIterator for &'a Receiver<T> {
            type Item = T;
            type IntoIter = Iter<'a, T>;
            fn into_iter(self) -> Iter<'a, T> {
                self.iter()
            }
        }

        impl<T> IntoIterator for Receiver<T> {
            type Item = T;
            type IntoIter = IntoIter<T>;
            fn into_iter(self) -> IntoIter<T> {
                IntoIter { rx: self }
            }
        }
    };
}
pub(crate) use receiver_iterators;
