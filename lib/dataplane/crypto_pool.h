// The crypto workers of the data path (docs/dataplane.md, "Workers"): a batch's AEAD jobs run
// on the thread that read the batch and on the pool's threads at once, and run() returns when
// every job of the batch is done, so the caller hands the results on in the order it read them
// (per peer and overall): the in-order completion of wireguard-go's per-peer queues, with the
// batch as the unit of order.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "wg/crypto_job.h"

namespace weft::dataplane {

class CryptoPool {
 public:
  /// A job of the batch: index in [0, n), and the running thread's key cache.
  using Work = std::function<void(std::size_t index, wg::TransportCrypto& crypto)>;
  /// Batches smaller than this run on the caller alone: waking a worker costs more than a few
  /// AEADs of a full-size packet (~1-2 us each).
  static constexpr std::size_t kMinParallel = 8;

  /// Starts `workers` threads (0: every batch runs on its caller).
  explicit CryptoPool(std::size_t workers);
  /// Joins the workers. No run() may be in progress.
  ~CryptoPool();
  CryptoPool(const CryptoPool&) = delete;
  CryptoPool& operator=(const CryptoPool&) = delete;

  std::size_t workers() const { return threads_.size(); }

  /// Calls work(i, crypto) exactly once for every i in [0, n), on the caller (with
  /// `caller_crypto`) and on idle workers (with their own), and returns when all calls have
  /// returned. Several threads may call run() at once; workers help the oldest batch first.
  /// Returns true when a worker ran some of the jobs. Never throws (`work` must not).
  bool run(std::size_t n, const Work& work, wg::TransportCrypto& caller_crypto);

  /// Batches a worker ran some jobs of, since the start.
  uint64_t parallel_batches() const;

 private:
  struct Batch;
  void worker();
  /// Claims and runs jobs of `b` until none is left unclaimed; returns how many it ran.
  static std::size_t help(Batch& b, wg::TransportCrypto& crypto);

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // a batch was queued, or stopping
  std::condition_variable done_cv_;  // a worker left a batch
  std::deque<Batch*> batches_;       // batches with unclaimed jobs, oldest first
  bool stopping_ = false;
  uint64_t parallel_batches_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace weft::dataplane
