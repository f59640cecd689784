# Debian packages with CPack (scripts/package.sh builds them): one per person who installs elfdesk.
#   elfdesk         the engineer's command and viewer          (component engineer)
#   elfdesk-host    the customer's program and its launcher      (component host)
#   elfdesk-relay   the relay service, its unit and its user     (component relay, when relay/ is built)
#   elfdesk-common  the organisation's configuration file        (component common)
# Dependencies come from dpkg-shlibdeps (what the binaries link), plus the packages each needs at run time.

set(ELFDESK_MAINTAINER "elfdesk developers <maintainers@users.noreply.r-seed-9a08a970.example>")

# Man pages carry the version and are installed gzip-compressed, as Debian policy asks.
set(man_out ${PROJECT_BINARY_DIR}/man)
set(man_pages elfdesk.1:engineer elfdesk-host.1:host)
if(TARGET elfdesk-relay)
  list(APPEND man_pages elfdesk-relay.8:relay)
endif()
set(man_files)
foreach(entry ${man_pages})
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 page)
  list(GET parts 1 component)
  string(REGEX REPLACE ".*\\." "" section ${page})
  set(VERSION ${PROJECT_VERSION})
  configure_file(${PROJECT_SOURCE_DIR}/docs/man/${page} ${man_out}/${page} @ONLY)
  add_custom_command(OUTPUT ${man_out}/${page}.gz COMMAND gzip -9nf -k ${man_out}/${page}
    DEPENDS ${man_out}/${page} VERBATIM)
  list(APPEND man_files ${man_out}/${page}.gz)
  install(FILES ${man_out}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${component})
endforeach()
add_custom_target(elfdesk_man_pages ALL DEPENDS ${man_files})

# Each package's copyright and changelog (Debian policy: /usr/share/doc/PACKAGE/).
set(components engineer:elfdesk host:elfdesk-host common:elfdesk-common)
if(TARGET elfdesk-relay)
  list(APPEND components relay:elfdesk-relay)
endif()
configure_file(${PROJECT_SOURCE_DIR}/scripts/packaging/changelog ${PROJECT_BINARY_DIR}/packaging/changelog @ONLY)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/packaging/changelog.gz
  COMMAND gzip -9nf -k ${PROJECT_BINARY_DIR}/packaging/changelog DEPENDS ${PROJECT_BINARY_DIR}/packaging/changelog)
add_custom_target(elfdesk_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
foreach(entry ${components})
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 component)
  list(GET parts 1 package)
  install(FILES ${PROJECT_SOURCE_DIR}/scripts/packaging/copyright ${PROJECT_BINARY_DIR}/packaging/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/common/share/elfdesk.conf DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/elfdesk
  COMPONENT common)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME elfdesk)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${ELFDESK_MAINTAINER})
set(CPACK_PACKAGE_VENDOR "elfdesk")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://elfdesk.example.org")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_COMPONENTS_ALL engineer host common)

set(CPACK_DEBIAN_ENGINEER_PACKAGE_NAME elfdesk)
set(CPACK_DEBIAN_ENGINEER_PACKAGE_DEPENDS "elfdesk-common (= ${PROJECT_VERSION}), fonts-dejavu-core")
set(CPACK_COMPONENT_ENGINEER_DESCRIPTION "secure remote support: view, control and diagnose a customer's computer
The support engineer's side of elfdesk: a live window onto the customer's
screen with keyboard, mouse and clipboard (elfdesk view), read-only
diagnostic probes ranked by urgency (elfdesk diag) and screenshots, over one
TLS 1.3 connection authenticated by a one-time code (SPAKE2).")

set(CPACK_DEBIAN_HOST_PACKAGE_NAME elfdesk-host)
set(CPACK_DEBIAN_HOST_PACKAGE_DEPENDS "elfdesk-common (= ${PROJECT_VERSION}), fonts-dejavu-core")
set(CPACK_COMPONENT_HOST_DESCRIPTION "let a support engineer see your screen, with your consent
The customer's side of elfdesk: shows a one-time code to read to a support
engineer, asks before anything is shown or run, shows that a session is on
and ends it on request, and keeps an audit log. Includes the \"Remote
support\" launcher.")

set(CPACK_DEBIAN_COMMON_PACKAGE_NAME elfdesk-common)
set(CPACK_DEBIAN_COMMON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_COMMON_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_COMMON_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/scripts/packaging/common/conffiles)
set(CPACK_COMPONENT_COMMON_DESCRIPTION "secure remote support: shared configuration
The configuration file of elfdesk and elfdesk-host
(/etc/elfdesk/elfdesk.conf), where an organisation sets its relay.")

if(TARGET elfdesk-relay)
  list(APPEND CPACK_COMPONENTS_ALL relay)
  set(CPACK_DEBIAN_RELAY_PACKAGE_NAME elfdesk-relay)
  set(CPACK_DEBIAN_RELAY_PACKAGE_DEPENDS "adduser")
  set(CPACK_DEBIAN_RELAY_PACKAGE_SUGGESTS "redis-server")
  set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/scripts/packaging/relay/postinst;${PROJECT_SOURCE_DIR}/scripts/packaging/relay/prerm;${PROJECT_SOURCE_DIR}/scripts/packaging/relay/postrm")
  set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_STRICT_PERMISSION ON)
  set(CPACK_COMPONENT_RELAY_DESCRIPTION "rendezvous and relay for elfdesk sessions across NAT
Joins a customer's elfdesk-host and a support engineer's elfdesk by the
code's id and splices their end-to-end encrypted session. Several nodes
share a Redis directory. Runs as its own user under systemd.")
endif()

include(CPack)
