// CryptoPool (see crypto_pool.h): a batch lives on its caller's stack; workers count themselves
// in and out of it under the pool's lock, and the caller returns only when the last has left.
#include "dataplane/crypto_pool.h"

#include <algorithm>
#include <atomic>

namespace weft::dataplane {

struct CryptoPool::Batch {
  const Work* work = nullptr;
  std::size_t n = 0;
  std::atomic<std::size_t> next{0};  // the next unclaimed job
  std::size_t helpers = 0;           // workers inside, under mu_
  bool helped = false;               // a worker ran a job of it, under mu_
};

CryptoPool::CryptoPool(std::size_t workers) {
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { worker(); });
}

CryptoPool::~CryptoPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

uint64_t CryptoPool::parallel_batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return parallel_batches_;
}

std::size_t CryptoPool::help(Batch& b, wg::TransportCrypto& crypto) {
  std::size_t ran = 0;
  for (;; ++ran) {
    std::size_t i = b.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= b.n) return ran;
    (*b.work)(i, crypto);
  }
}

bool CryptoPool::run(std::size_t n, const Work& work, wg::TransportCrypto& caller_crypto) {
  if (threads_.empty() || n < kMinParallel) {
    for (std::size_t i = 0; i < n; ++i) work(i, caller_crypto);
    return false;
  }
  Batch b;
  b.work = &work;
  b.n = n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batches_.push_back(&b);
  }
  work_cv_.notify_all();
  help(b, caller_crypto);
  std::unique_lock<std::mutex> lock(mu_);
  // Every job is claimed: no worker may pick the batch up from now on.
  auto it = std::find(batches_.begin(), batches_.end(), &b);
  if (it != batches_.end()) batches_.erase(it);
  // A worker inside may still be running the job it claimed last.
  done_cv_.wait(lock, [&] { return b.helpers == 0; });
  if (b.helped) ++parallel_batches_;
  return b.helped;
}

void CryptoPool::worker() {
  wg::TransportCrypto crypto;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !batches_.empty(); });
    if (stopping_) return;
    Batch* b = batches_.front();
    if (b->next.load(std::memory_order_relaxed) >= b->n) {
      // Fully claimed: its caller removes it when its own last job is done.
      batches_.pop_front();
      continue;
    }
    ++b->helpers;
    lock.unlock();
    std::size_t ran = help(*b, crypto);
    lock.lock();
    if (ran > 0) b->helped = true;
    --b->helpers;
    if (b->helpers == 0) done_cv_.notify_all();
  }
}

}  // namespace weft::dataplane
