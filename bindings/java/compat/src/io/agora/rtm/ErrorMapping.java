package io.agora.rtm;

import io.rtm.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one table from librtm's error codes (io.rtm.ErrorCode, rtm_err_t) to the RTM 1.x SDK's
 * per-operation numbers (RtmStatusCode). docs/errors.md describes the same correspondence; a
 * code without an entry for an operation gets that operation's generic failure number.
 */
final class ErrorMapping {
    /** RtmStatusCode reserves these two in (almost) every group. */
    static final int NOT_INITIALIZED = 101;
    static final int USER_NOT_LOGGED_IN = 102;

    /** One operation group of RtmStatusCode. */
    enum Op {
        LOGIN, LOGOUT, RENEW_TOKEN, PEER_MESSAGE, QUERY_PEERS_ONLINE_STATUS, PEER_SUBSCRIPTION_STATUS,
        QUERY_PEERS_BY_SUBSCRIPTION_OPTION, JOIN_CHANNEL, LEAVE_CHANNEL, CHANNEL_MESSAGE, GET_MEMBERS,
        ATTRIBUTE_OPERATION, GET_CHANNEL_MEMBER_COUNT, LOCAL_INVITATION, REMOTE_INVITATION,
        INVITATION_API_CALL, UPLOAD_MEDIA, DOWNLOAD_MEDIA, CANCEL_MEDIA
    }

    private static final class Row {
        final int otherwise;
        final Map<ErrorCode, Integer> codes = new EnumMap<>(ErrorCode.class);

        Row(int otherwise) {
            this.otherwise = otherwise;
            codes.put(ErrorCode.OK, 0);
        }

        Row map(int value, ErrorCode... errs) {
            for (ErrorCode e : errs) codes.put(e, value);
            return this;
        }

        /** The session ended or never was: 102 USER_NOT_LOGGED_IN. */
        Row session() {
            return map(USER_NOT_LOGGED_IN, ErrorCode.NOT_LOGGED_IN, ErrorCode.CLOSED);
        }
    }

    private static final Map<Op, Row> TABLE = new EnumMap<>(Op.class);

    private static Row row(Op op, int otherwise) {
        Row r = new Row(otherwise);
        TABLE.put(op, r);
        return r;
    }

    static {
        row(Op.LOGIN, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.REJECTED)
                .map(3, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_USER_ID).map(4, ErrorCode.INVALID_APP_ID)
                .map(5, ErrorCode.INVALID_TOKEN).map(6, ErrorCode.TOKEN_EXPIRED).map(7, ErrorCode.NOT_AUTHORIZED)
                .map(8, ErrorCode.ALREADY_LOGGED_IN).map(9, ErrorCode.TIMEOUT).map(10, ErrorCode.TOO_OFTEN);
        row(Op.LOGOUT, 1).map(1, ErrorCode.REJECTED).session();
        row(Op.RENEW_TOKEN, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.INVALID_ARGUMENT)
                .map(3, ErrorCode.REJECTED).map(4, ErrorCode.TOO_OFTEN).map(5, ErrorCode.TOKEN_EXPIRED)
                .map(6, ErrorCode.INVALID_TOKEN).session();
        row(Op.PEER_MESSAGE, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.TIMEOUT)
                .map(3, ErrorCode.PEER_UNREACHABLE).map(4, ErrorCode.CACHED_BY_SERVER).map(5, ErrorCode.TOO_OFTEN)
                .map(6, ErrorCode.INVALID_USER_ID).map(7, ErrorCode.INVALID_MESSAGE).map(8, ErrorCode.PROTOCOL)
                .session();
        row(Op.QUERY_PEERS_ONLINE_STATUS, 1).map(1, ErrorCode.FAILURE)
                .map(2, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_USER_ID, ErrorCode.EXCEED_LIMIT)
                .map(3, ErrorCode.REJECTED).map(4, ErrorCode.TIMEOUT).map(5, ErrorCode.TOO_OFTEN).session();
        row(Op.PEER_SUBSCRIPTION_STATUS, 1).map(1, ErrorCode.FAILURE)
                .map(2, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_USER_ID).map(3, ErrorCode.REJECTED)
                .map(4, ErrorCode.TIMEOUT).map(5, ErrorCode.TOO_OFTEN).map(6, ErrorCode.EXCEED_LIMIT).session();
        row(Op.QUERY_PEERS_BY_SUBSCRIPTION_OPTION, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.TIMEOUT)
                .map(3, ErrorCode.TOO_OFTEN).session();
        row(Op.JOIN_CHANNEL, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.REJECTED)
                .map(3, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_CHANNEL_ID).map(4, ErrorCode.TIMEOUT)
                .map(5, ErrorCode.EXCEED_LIMIT).map(6, ErrorCode.ALREADY_JOINED).map(7, ErrorCode.TOO_OFTEN)
                .session();
        row(Op.LEAVE_CHANNEL, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.REJECTED)
                .map(3, ErrorCode.NOT_IN_CHANNEL).session();
        row(Op.CHANNEL_MESSAGE, 1).map(1, ErrorCode.FAILURE, ErrorCode.NOT_IN_CHANNEL).map(2, ErrorCode.TIMEOUT)
                .map(3, ErrorCode.TOO_OFTEN).map(4, ErrorCode.INVALID_MESSAGE).session();
        row(Op.GET_MEMBERS, 1).map(1, ErrorCode.FAILURE).map(2, ErrorCode.REJECTED).map(3, ErrorCode.TIMEOUT)
                .map(4, ErrorCode.TOO_OFTEN).map(5, ErrorCode.NOT_IN_CHANNEL).session();
        row(Op.ATTRIBUTE_OPERATION, 2).map(2, ErrorCode.FAILURE)
                .map(3, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_USER_ID, ErrorCode.INVALID_CHANNEL_ID)
                .map(4, ErrorCode.SIZE_OVERFLOW).map(5, ErrorCode.TOO_OFTEN).map(6, ErrorCode.USER_NOT_FOUND)
                .map(7, ErrorCode.TIMEOUT).session();
        row(Op.GET_CHANNEL_MEMBER_COUNT, 1).map(1, ErrorCode.FAILURE)
                .map(2, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_CHANNEL_ID).map(3, ErrorCode.TOO_OFTEN)
                .map(4, ErrorCode.TIMEOUT).map(5, ErrorCode.EXCEED_LIMIT).session();
        row(Op.LOCAL_INVITATION, 1).map(1, ErrorCode.PEER_OFFLINE).map(2, ErrorCode.PEER_NO_RESPONSE)
                .map(3, ErrorCode.INVITATION_EXPIRED).map(4, ErrorCode.NOT_LOGGED_IN, ErrorCode.CLOSED);
        row(Op.REMOTE_INVITATION, 2).map(1, ErrorCode.PEER_OFFLINE).map(2, ErrorCode.FAILURE, ErrorCode.PEER_NO_RESPONSE)
                .map(3, ErrorCode.INVITATION_EXPIRED);
        // INVALID_STATE depends on the invitation's state: invitationApiCall below.
        row(Op.INVITATION_API_CALL, 1).map(1, ErrorCode.INVALID_ARGUMENT, ErrorCode.SIZE_OVERFLOW,
                ErrorCode.INVALID_USER_ID, ErrorCode.INVALID_CHANNEL_ID).session();
        row(Op.UPLOAD_MEDIA, 1);
        row(Op.DOWNLOAD_MEDIA, 1);
        row(Op.CANCEL_MEDIA, 1);
    }

    private ErrorMapping() {}

    /** The RTM 1.x number for err in op's group. */
    static int code(Op op, ErrorCode err) {
        Row r = TABLE.get(op);
        Integer v = r.codes.get(err);
        return v != null ? v : r.otherwise;
    }

    /**
     * An RtmCallManager call refused or answered with err, on an invitation that is now in
     * state (a LocalInvitationState or RemoteInvitationState value by local): INVALID_STATE
     * becomes NOT_STARTED, ALREADY_SENT, ALREADY_ACCEPT or ALREADY_END by that state.
     */
    static int invitationApiCall(ErrorCode err, boolean local, int state) {
        if (err != ErrorCode.INVALID_STATE) return code(Op.INVITATION_API_CALL, err);
        if (local) {
            switch (state) {
            case RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE:
                return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_NOT_STARTED;
            case RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_SENT_TO_REMOTE:
            case RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE:
                return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_SENT;
            case RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE:
                return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT;
            default:
                return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END;
            }
        }
        switch (state) {
        case RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_IDLE:
            return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_NOT_STARTED;
        case RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_INVITATION_RECEIVED:
            return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT;
        case RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL:
        case RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_ACCEPTED:
            return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT;
        default:
            return RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END;
        }
    }
}
