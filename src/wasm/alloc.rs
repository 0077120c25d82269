//! The wasm build's global allocator: dlmalloc, as in the standard library,
//! but with memory grown in large steps.
//!
//! The standard library's dlmalloc grows wasm memory 64 KiB at a time, and
//! each `memory.grow` costs the engine real time (V8 replaces the memory's
//! `ArrayBuffer` on every grow). A cold `analyze` of 10 000 files grew
//! memory thousands of times and spent most of its time there. Growing by
//! at least half the current size (capped at 256 MiB a step) makes that a
//! few dozen grows. Pages grown but not yet used are never touched, so they
//! cost address space, not resident memory.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

const PAGE: usize = 64 * 1024;
const MIN_STEP: usize = 16; // 1 MiB
const MAX_STEP: usize = 4096; // 256 MiB

/// Where dlmalloc gets its memory: `memory.grow`, in geometric steps.
struct GrowInSteps;

unsafe impl dlmalloc::Allocator for GrowInSteps {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let wanted = size.div_ceil(PAGE);
        let step = wanted.max((wasm32::memory_size(0) / 2).clamp(MIN_STEP, MAX_STEP));
        for pages in [step, wanted] {
            let previous = wasm32::memory_grow(0, pages);
            if previous != usize::MAX {
                // Keep clear of the very top of the address space (see dlmalloc's wasm.rs).
                let size = pages * PAGE;
                let size = if (previous * PAGE).wrapping_add(size) == 0 {
                    size - 16
                } else {
                    size
                };
                return ((previous * PAGE) as *mut u8, size, 0);
            }
        }
        (ptr::null_mut(), 0, 0)
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

/// dlmalloc behind `GlobalAlloc`, counting the bytes it has handed out and
/// not had back (`live_bytes`): how much of the memory is in use, which
/// tells a caller whether giving the memory back loses anything.
/// wasm32-unknown-unknown without the `atomics` feature has one thread, so
/// no lock is needed.
pub struct Allocator {
    heap: UnsafeCell<dlmalloc::Dlmalloc<GrowInSteps>>,
    live: UnsafeCell<usize>,
}

// SAFETY: this target has a single thread.
unsafe impl Sync for Allocator {}

impl Allocator {
    pub const fn new() -> Self {
        Allocator {
            heap: UnsafeCell::new(dlmalloc::Dlmalloc::new_with_allocator(GrowInSteps)),
            live: UnsafeCell::new(0),
        }
    }

    /// Counts `ptr`'s `size` bytes in (`true`) or out, when the call succeeded.
    fn count(&self, ptr: *mut u8, size: usize, gained: bool) -> *mut u8 {
        if !ptr.is_null() {
            // SAFETY: one thread; nothing else holds this cell.
            let live = unsafe { &mut *self.live.get() };
            *live = if gained { *live + size } else { *live - size };
        }
        ptr
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { (*self.heap.get()).malloc(layout.size(), layout.align()) };
        self.count(ptr, layout.size(), true)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { (*self.heap.get()).calloc(layout.size(), layout.align()) };
        self.count(ptr, layout.size(), true)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.heap.get()).free(ptr, layout.size(), layout.align()) };
        self.count(ptr, layout.size(), false);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved =
            unsafe { (*self.heap.get()).realloc(ptr, layout.size(), layout.align(), new_size) };
        // On failure the old block is still held: nothing changes.
        if !moved.is_null() {
            self.count(moved, layout.size(), false);
            self.count(moved, new_size, true);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator::new();

/// The bytes handed out and not yet given back.
pub fn live_bytes() -> usize {
    // SAFETY: one thread; read between calls of the allocator.
    unsafe { *ALLOCATOR.live.get() }
}
