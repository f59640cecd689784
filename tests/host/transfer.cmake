# Files and the support bundle on the host: HostTransfers against a hand-driven engineer and against the
# real TransferClient, over real TLS on loopback.
elfdesk_add_test(NAME host_transfer_tests LABELS host
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_transfers_tests.cpp
  LIBS elfdesk_host_core elfdesk_client_core)
