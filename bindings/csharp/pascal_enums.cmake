# Renames the items of the C# enums that SWIG generated from <rtm/rtm.h> to C# names:
# RTM_ERR_INVALID_ARGUMENT in ErrorCode.cs becomes InvalidArgument, with the same value.
# SWIG cannot do it itself: C enum items share one scope, so stripping the prefixes there
# collides (RTM_ERR_TOKEN_EXPIRED, RTM_EVENT_TOKEN_EXPIRED, ...).
# Usage: cmake -DDIR=<folder of the generated .cs files> -P pascal_enums.cmake
# An enum file that is not listed below fails the build, so a new C enum gets a prefix here
# instead of shipping with C names.
cmake_policy(SET CMP0057 NEW)
if(NOT DIR)
  message(FATAL_ERROR "pascal_enums.cmake: set -DDIR=<folder of the generated C# files>")
endif()

set(prefixes
  ErrorCode RTM_ERR_
  ConnectionState RTM_CONNECTION_STATE_
  ConnectionChangeReason RTM_CONNECTION_CHANGE_REASON_
  PeerOnlineState RTM_PEER_ONLINE_STATE_
  SubscriptionOption RTM_SUBSCRIPTION_OPTION_
  MessageType RTM_MESSAGE_TYPE_
  InvitationKind RTM_INVITATION_KIND_
  LocalInvitationState RTM_LOCAL_INVITATION_STATE_
  RemoteInvitationState RTM_REMOTE_INVITATION_STATE_
  EventType RTM_EVENT_)

# INVALID_ARGUMENT -> InvalidArgument
function(pascal_case out words)
  string(REPLACE "_" ";" parts "${words}")
  set(result "")
  foreach(part IN LISTS parts)
    string(SUBSTRING "${part}" 0 1 head)
    string(SUBSTRING "${part}" 1 -1 tail)
    string(TOLOWER "${tail}" tail)
    string(APPEND result "${head}${tail}")
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

file(GLOB files "${DIR}/*.cs")
foreach(file IN LISTS files)
  file(READ "${file}" text)
  if(NOT text MATCHES "public enum ([A-Za-z]+)")
    continue()
  endif()
  set(enum "${CMAKE_MATCH_1}")
  list(FIND prefixes "${enum}" at)
  if(at LESS 0)
    message(FATAL_ERROR "pascal_enums.cmake: no item prefix for the enum ${enum} in ${file}")
  endif()
  math(EXPR at "${at} + 1")
  list(GET prefixes ${at} prefix)
  string(LENGTH "${prefix}" prefix_len)

  string(REGEX MATCHALL "[\n]  RTM_[A-Z0-9_]+ =" items "${text}")
  set(seen "")
  foreach(item IN LISTS items)
    string(REGEX REPLACE "^[\n]  (RTM_[A-Z0-9_]+) =$" "\\1" cname "${item}")
    string(FIND "${cname}" "${prefix}" pos)
    if(pos EQUAL 0)
      string(SUBSTRING "${cname}" ${prefix_len} -1 words)
    else()
      string(SUBSTRING "${cname}" 4 -1 words) # RTM_OK
    endif()
    pascal_case(name "${words}")
    if(name IN_LIST seen)
      message(FATAL_ERROR "pascal_enums.cmake: ${enum}.${name} would name two items")
    endif()
    list(APPEND seen "${name}")
    string(REPLACE "\n  ${cname} =" "\n  /// <summary>${cname}</summary>\n  ${name} =" text "${text}")
  endforeach()
  string(REPLACE "public enum ${enum} {"
         "/// <summary>${prefix}* of &lt;rtm/rtm.h&gt;, with the same values.</summary>\npublic enum ${enum} {"
         text "${text}")
  file(WRITE "${file}" "${text}")
endforeach()
