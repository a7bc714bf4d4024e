/* C# typemaps for swig/rtm.i (module rtm_native, generated with -namespace Rtm).
 *
 * The generated module class (rtm_native) and its P/Invoke class are internal: users see the
 * classes of bindings/csharp/src, which call the module. What this file decides:
 *  - opaque handles cross as SafeHandle subclasses (ClientHandle, ...), so the marshaller
 *    holds a reference for the length of every call and a handle is never freed under a
 *    running call; the *_free functions take the raw pointer (ReleaseHandle runs when the
 *    SafeHandle can no longer be marshalled);
 *  - strings go in as NUL-terminated UTF-8 byte[] and come back as IntPtr decoded as UTF-8
 *    (never the platform's ANSI code page);
 *  - out-parameters (request ids, error codes, lengths) become `out` parameters;
 *  - string lists, attribute arrays and byte buffers cross as one rtm_cs_list_t by value:
 *    a pointer and a count, built by NativeBlock (UTF-8 in unmanaged memory) or PinnedBytes
 *    (a pinned byte[]), freed or unpinned in a finally block after the call;
 *  - enums become public C# enums in namespace Rtm with the C values (PascalCase item names
 *    come from bindings/csharp/pascal_enums.cmake).
 */

%{
/* The by-value list a C# caller passes for (pointer, count) argument pairs. */
typedef struct rtm_cs_list {
    const void *items;
    size_t count;
} rtm_cs_list_t;
%}

%pragma(csharp) moduleclassmodifiers="internal class"
%pragma(csharp) imclassclassmodifiers="internal class"

/* size_t is 64 bits here: counts, indices and lengths as ulong, never truncated. */
%apply unsigned long long { size_t };

/* ---- enums: public, PascalCase, C values ------------------------------------------------ */

%rename(ErrorCode) rtm_err_t;
%rename(ConnectionState) rtm_connection_state_t;
%rename(ConnectionChangeReason) rtm_connection_change_reason_t;
%rename(PeerOnlineState) rtm_peer_online_state_t;
%rename(SubscriptionOption) rtm_subscription_option_t;
%rename(MessageType) rtm_message_type_t;
%rename(InvitationKind) rtm_invitation_kind_t;
%rename(LocalInvitationState) rtm_local_invitation_state_t;
%rename(RemoteInvitationState) rtm_remote_invitation_state_t;
%rename(EventType) rtm_event_type_t;

/* Enum items keep their C names here (C enum items share one scope, so SWIG would see
 * collisions like RTM_ERR_TOKEN_EXPIRED / RTM_EVENT_TOKEN_EXPIRED once prefixes are
 * stripped); bindings/csharp/pascal_enums.cmake renames them in the generated C# files:
 * RTM_ERR_INVALID_ARGUMENT becomes ErrorCode.InvalidArgument, with the same value. */

/* The flag macros as C# constants, so that the public flag enums can use them. */
%csconst(1) RTM_SEND_OFFLINE;
%csconst(1) RTM_ATTR_NOTIFY_MEMBERS;
%csconst(1) RTM_VERSION_MAJOR;
%csconst(1) RTM_VERSION_MINOR;
%csconst(1) RTM_VERSION_PATCH;

/* Attribute arrays cross as pointer pairs (below); no proxy class for the struct. */
%ignore rtm_attribute;

/* ---- opaque handles as SafeHandles ------------------------------------------------------- */

%define RTM_CS_HANDLE(CTYPE, CSHANDLE)
%typemap(ctype) CTYPE *, const CTYPE * "void *"
%typemap(imtype) CTYPE *, const CTYPE * "CSHANDLE"
%typemap(cstype) CTYPE *, const CTYPE * "CSHANDLE"
%typemap(in) CTYPE *, const CTYPE * %{ $1 = ($1_ltype)$input; %}
%typemap(out) CTYPE *, const CTYPE * %{ $result = (void *)$1; %}
%typemap(csin) CTYPE *, const CTYPE * "$csinput"
%typemap(csout, excode=SWIGEXCODE) CTYPE *, const CTYPE * {
    CSHANDLE ret = $imcall;$excode
    return ret;
  }
%typemap(ctype) CTYPE *RELEASED "void *"
%typemap(imtype) CTYPE *RELEASED "global::System.IntPtr"
%typemap(cstype) CTYPE *RELEASED "global::System.IntPtr"
%typemap(in) CTYPE *RELEASED %{ $1 = ($1_ltype)$input; %}
%typemap(csin) CTYPE *RELEASED "$csinput"
%enddef

RTM_CS_HANDLE(rtm_config_t, ConfigHandle)
RTM_CS_HANDLE(rtm_client_t, ClientHandle)
RTM_CS_HANDLE(rtm_channel_t, ChannelHandle)
RTM_CS_HANDLE(rtm_invitation_t, InvitationHandle)
RTM_CS_HANDLE(rtm_message_t, MessageHandle)
RTM_CS_HANDLE(rtm_event_t, EventHandle)

/* The message inside an event is borrowed from it: a raw pointer that the binding wraps in a
 * handle holding a reference on the event (BorrowedMessageHandle), never one that frees. */
%typemap(ctype, out="const void *") const rtm_message_t * "void *"
%typemap(imtype, out="global::System.IntPtr") const rtm_message_t * "global::System.IntPtr"
%typemap(cstype, out="global::System.IntPtr") const rtm_message_t * "MessageHandle"
/* A message in: its reference is taken here, before the P/Invoke call, not by the marshaller.
 * Mono's marshaller takes the references of a call's SafeHandles one after the other, and when
 * a later one is already disposed it throws without giving back the earlier ones: a send with a
 * disposed message would leak a reference on the client (or channel) handle, whose Dispose
 * would then never free the native client (its I/O thread then outlives the program's end). */
%typemap(csin, pre="    bool $csinput_added = false;
    if ($csinput != null)
      $csinput.DangerousAddRef(ref $csinput_added);",
         post="      if ($csinput_added)
        $csinput.DangerousRelease();")
    const rtm_message_t * "($csinput != null ? $csinput.DangerousGetHandle() : global::System.IntPtr.Zero)"
%typemap(out) const rtm_message_t * %{ $result = (const void *)$1; %}
%typemap(csout, excode=SWIGEXCODE) const rtm_message_t * {
    global::System.IntPtr ret = $imcall;$excode
    return ret;
  }

/* Declared here first so that SWIG wraps these declarations (the header's are redundant
 * redeclarations of the same functions): the parameter name selects the raw-pointer maps. */
%warnfilter(322) rtm_config_free;
%warnfilter(322) rtm_client_free;
%warnfilter(322) rtm_channel_free;
%warnfilter(322) rtm_invitation_free;
%warnfilter(322) rtm_message_free;
%warnfilter(322) rtm_event_free;
void rtm_config_free(rtm_config_t *RELEASED);
void rtm_client_free(rtm_client_t *RELEASED);
void rtm_channel_free(rtm_channel_t *RELEASED);
void rtm_invitation_free(rtm_invitation_t *RELEASED);
void rtm_message_free(rtm_message_t *RELEASED);
void rtm_event_free(rtm_event_t *RELEASED);

/* ---- strings ----------------------------------------------------------------------------- */

/* In: NUL-terminated UTF-8 (Utf8.ToNative refuses text with a NUL or a lone surrogate).
 * Out: the raw pointer, decoded by Utf8.FromNative while the caller still holds the object
 * that the string is borrowed from. */
%typemap(ctype, out="const char *") const char * "const char *"
%typemap(imtype, out="global::System.IntPtr") const char * "byte[]"
%typemap(cstype) const char * "string"
%typemap(in) const char * %{ $1 = ($1_ltype)$input; %}
%typemap(out) const char * %{ $result = $1; %}
%typemap(csin) const char * "Utf8.ToNative($csinput)"
%typemap(csout, excode=SWIGEXCODE) const char * {
    string ret = Utf8.FromNative($imcall);$excode
    return ret;
  }

/* Strings the caller frees (rtm_token_build, rtm_string_free): the raw pointer. */
%typemap(ctype) char * "char *"
%typemap(imtype) char * "global::System.IntPtr"
%typemap(cstype) char * "global::System.IntPtr"
%typemap(in) char * %{ $1 = $input; %}
%typemap(out) char * %{ $result = $1; %}
%typemap(csin) char * "$csinput"
%typemap(csout, excode=SWIGEXCODE) char * {
    global::System.IntPtr ret = $imcall;$excode
    return ret;
  }

/* rtm_message_data: the borrowed bytes as a raw pointer, copied by the binding. */
%typemap(ctype) const void * "const void *"
%typemap(imtype) const void * "global::System.IntPtr"
%typemap(cstype) const void * "global::System.IntPtr"
%typemap(out) const void * %{ $result = $1; %}
%typemap(csout, excode=SWIGEXCODE) const void * {
    global::System.IntPtr ret = $imcall;$excode
    return ret;
  }

/* ---- out-parameters ---------------------------------------------------------------------- */

%typemap(ctype) uint64_t *request_id "uint64_t *"
%typemap(imtype) uint64_t *request_id "out ulong"
%typemap(cstype) uint64_t *request_id "out ulong"
%typemap(in) uint64_t *request_id %{ $1 = $input; %}
%typemap(csin) uint64_t *request_id "out $csinput"

%typemap(ctype) rtm_err_t *err "int *"
%typemap(imtype) rtm_err_t *err "out ErrorCode"
%typemap(cstype) rtm_err_t *err "out ErrorCode"
%typemap(in) rtm_err_t *err (rtm_err_t temp = RTM_OK) %{ $1 = &temp; %}
%typemap(argout) rtm_err_t *err %{ *$input = (int)temp$argnum; %}
%typemap(csin) rtm_err_t *err "out $csinput"

%typemap(ctype) size_t *len "unsigned long long *"
%typemap(imtype) size_t *len "out ulong"
%typemap(cstype) size_t *len "out ulong"
%typemap(in) size_t *len (size_t temp = 0) %{ $1 = &temp; %}
%typemap(argout) size_t *len %{ *$input = (unsigned long long)temp$argnum; %}
%typemap(csin) size_t *len "out $csinput"

/* ---- (pointer, count) pairs ------------------------------------------------------------- */

%define RTM_CS_LIST(ARGS, CSTYPE, BUILD, ASSIGN)
%typemap(ctype) ARGS "rtm_cs_list_t"
%typemap(imtype) ARGS "NativeList"
%typemap(cstype) ARGS "CSTYPE"
%typemap(in) ARGS %{ ASSIGN %}
%typemap(csin, pre="    var block_$csinput = BUILD($csinput);",
         post="      block_$csinput.Dispose();") ARGS "block_$csinput.List"
%enddef

RTM_CS_LIST(%arg((const char *const *LIST, size_t COUNT)), string[], NativeBlock.FromStrings,
            $1 = ($1_ltype)$input.items; $2 = $input.count;)
%apply (const char *const *LIST, size_t COUNT) {
    (const char *const *peer_ids, size_t count),
    (const char *const *channel_ids, size_t count),
    (const char *const *keys, size_t count)
};

/* An attribute array is count (key, value) pointer pairs: the layout of rtm_attribute_t. */
RTM_CS_LIST(%arg((const rtm_attribute_t *attributes, size_t count)),
            %arg(global::System.Collections.Generic.IEnumerable<global::System.Collections.Generic.KeyValuePair<string, string>>),
            NativeBlock.FromAttributes, $1 = ($1_ltype)$input.items; $2 = $input.count;)

/* Payload bytes: the pinned byte[] itself, no copy; NULs survive. */
RTM_CS_LIST(%arg((const void *data, size_t len)), byte[], PinnedBytes.Pin,
            $1 = ($1_ltype)$input.items; $2 = $input.count;)
