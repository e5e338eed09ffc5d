#pragma once

namespace berth {
// Brings `lo` up in the calling thread's network namespace, as runc does for a new one.
// Where a network manager already did (a joined namespace), it is a check and nothing more.
// Best effort: without CAP_NET_ADMIN over the namespace it leaves `lo` as it is.
void BringLoopbackUp();
}  // namespace berth
