//! The edge looks up the route of every request (`routing.rs`); for the hot reads that
//! look-up must not allocate, so that the route table costs `/me` no more than the fixed
//! match it replaced.

use roster_server::routes;
use roster_types::id::encode_uuid;
use roster_types::IdKind;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the allocations made by threads that asked for it.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_of(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    work();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn finding_the_route_of_a_hot_read_does_not_allocate() {
    assert_eq!(
        allocations_of(|| drop(std::hint::black_box(vec![1u8]))),
        1,
        "the counter counts"
    );
    let index = routes::api().index();
    let person = format!(
        "/v1/people/{}",
        encode_uuid(IdKind::People, &uuid::Uuid::new_v4())
    );
    let raw_uuid = format!("/v1/people/{}", uuid::Uuid::new_v4());
    let paths = ["/v1/people/me", person.as_str(), raw_uuid.as_str()];
    let labels: Vec<&str> = paths.iter().map(|p| index.find(p).route.label()).collect();
    assert_eq!(
        labels,
        [
            "/v1/people/me",
            "/v1/people/{personId}",
            "/v1/people/{personId}"
        ]
    );
    let allocations = allocations_of(|| {
        for path in paths {
            std::hint::black_box(index.find(std::hint::black_box(path)).route.label());
        }
    });
    assert_eq!(allocations, 0);
}
