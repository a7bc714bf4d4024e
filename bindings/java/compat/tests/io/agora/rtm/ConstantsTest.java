package io.agora.rtm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agora.rtm.ErrorMapping.Op;
import io.rtm.ErrorCode;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** RtmStatusCode's values as documented, and the one mapping table from librtm's codes. */
class ConstantsTest {
    static Map<String, Integer> constants(Class<?> c) throws IllegalAccessException {
        Map<String, Integer> m = new TreeMap<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) m.put(f.getName(), f.getInt(null));
        }
        return m;
    }

    @Test
    void statusCodeGroupsHaveTheDocumentedValues() throws Exception {
        Map<String, Integer> all = new TreeMap<>();
        for (Class<?> g : RtmStatusCode.class.getDeclaredClasses()) all.putAll(constants(g));
        assertEquals(26, RtmStatusCode.class.getDeclaredClasses().length);
        // a sample of every group, spelled as applications spell them
        assertEquals(5, all.get("CONNECTION_STATE_ABORTED"));
        assertEquals(9, all.get("CONNECTION_CHANGE_REASON_TOKEN_EXPIRED"));
        assertEquals(8, all.get("LOGIN_ERR_ALREADY_LOGIN"));
        assertEquals(101, all.get("LOGIN_ERR_NOT_INITIALIZED"));
        assertEquals(102, all.get("LOGOUT_ERR_USER_NOT_LOGGED_IN"));
        assertEquals(6, all.get("RENEW_TOKEN_ERR_INVALID_TOKEN"));
        assertEquals(2, all.get("PEER_MESSAGE_ERR_TIMEOUT"));
        assertEquals(8, all.get("PEER_MESSAGE_ERR_IMCOMPATIBLE_MESSAGE"));
        assertEquals(2, all.get("CHANNEL_MESSAGE_ERR_TIMEOUT"));
        assertEquals(4, all.get("JOIN_CHANNEL_TIMEOUT"));
        assertEquals(8, all.get("JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN"));
        assertEquals(3, all.get("LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL"));
        assertEquals(2, all.get("LEAVE_CHANNEL_REASON_KICKED"));
        assertEquals(5, all.get("GET_MEMBERS_ERR_NOT_IN_CHANNEL"));
        assertEquals(5, all.get("QUERY_PEERS_ONLINE_STATUS_ERR_TOO_OFTEN"));
        assertEquals(1, all.get("PEER_ONLINE_STATE_UNREACHABLE"));
        assertEquals(0, all.get("PEER_SUBSCRIPTION_OPTION_ONLINE_STATUS"));
        assertEquals(6, all.get("PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW"));
        assertEquals(3, all.get("QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_TOO_OFTEN"));
        assertEquals(7, all.get("ATTRIBUTE_OPERATION_ERR_TIMEOUT"));
        assertEquals(5, all.get("GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT"));
        assertEquals(6, all.get("LOCAL_INVITATION_STATE_FAILURE"));
        assertEquals(4, all.get("REMOTE_INVITATION_STATE_ACCEPTED"));
        assertEquals(4, all.get("LOCAL_INVITATION_ERR_NOT_LOGGEDIN"));
        assertEquals(2, all.get("REMOTE_INVITATION_ERR_ACCEPT_FAILURE"));
        assertEquals(5, all.get("INVITATION_API_CALL_ERR_ALREADY_SENT"));
        assertEquals(5, all.get("UPLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED"));
        assertEquals(4, all.get("DOWNLOAD_MEDIA_ERR_NOT_EXIST"));
        assertEquals(2, all.get("CANCEL_MEDIA_ERR_NOT_EXIST"));
        assertEquals(Map.of("UNDEFINED", 0, "TEXT", 1, "RAW", 2, "FILE", 3, "IMAGE", 4), constants(RtmMessageType.class));
        assertEquals(0x0f, RtmClient.LOG_FILTER_INFO);
        assertEquals(0x0e, RtmClient.LOG_FILTER_WARNING);
        assertEquals(0x0c, RtmClient.LOG_FILTER_ERROR);
        assertEquals(0x08, RtmClient.LOG_FILTER_CRITICAL);
        assertEquals("AgoraRTMLegacyEndcallCompatibleMessagePrefix", RtmClient.AGORA_RTM_END_CALL_PREFIX);
    }

    @Test
    void everyMappedNumberIsAConstantOfItsGroup() throws Exception {
        Map<Op, Class<?>> groups = Map.ofEntries(Map.entry(Op.LOGIN, RtmStatusCode.LoginError.class),
                Map.entry(Op.LOGOUT, RtmStatusCode.LogoutError.class),
                Map.entry(Op.RENEW_TOKEN, RtmStatusCode.RenewTokenError.class),
                Map.entry(Op.PEER_MESSAGE, RtmStatusCode.PeerMessageError.class),
                Map.entry(Op.QUERY_PEERS_ONLINE_STATUS, RtmStatusCode.QueryPeersOnlineStatusError.class),
                Map.entry(Op.PEER_SUBSCRIPTION_STATUS, RtmStatusCode.PeerSubscriptionStatusError.class),
                Map.entry(Op.QUERY_PEERS_BY_SUBSCRIPTION_OPTION,
                        RtmStatusCode.QueryPeersBySubscriptionOptionError.class),
                Map.entry(Op.JOIN_CHANNEL, RtmStatusCode.JoinChannelError.class),
                Map.entry(Op.LEAVE_CHANNEL, RtmStatusCode.LeaveChannelError.class),
                Map.entry(Op.CHANNEL_MESSAGE, RtmStatusCode.ChannelMessageError.class),
                Map.entry(Op.GET_MEMBERS, RtmStatusCode.GetMembersError.class),
                Map.entry(Op.ATTRIBUTE_OPERATION, RtmStatusCode.AttributeOperationError.class),
                Map.entry(Op.GET_CHANNEL_MEMBER_COUNT, RtmStatusCode.GetChannelMemberCountError.class),
                Map.entry(Op.LOCAL_INVITATION, RtmStatusCode.LocalInvitationError.class),
                Map.entry(Op.REMOTE_INVITATION, RtmStatusCode.RemoteInvitationError.class),
                Map.entry(Op.INVITATION_API_CALL, RtmStatusCode.InvitationApiCallError.class),
                Map.entry(Op.UPLOAD_MEDIA, RtmStatusCode.UploadMediaError.class),
                Map.entry(Op.DOWNLOAD_MEDIA, RtmStatusCode.DownloadMediaError.class),
                Map.entry(Op.CANCEL_MEDIA, RtmStatusCode.CancelMediaError.class));
        assertEquals(Op.values().length, groups.size());
        for (Op op : Op.values()) {
            var values = constants(groups.get(op)).values();
            for (ErrorCode err : ErrorCode.values()) {
                int v = ErrorMapping.code(op, err);
                boolean reserved = v == ErrorMapping.USER_NOT_LOGGED_IN && op == Op.INVITATION_API_CALL;
                assertTrue(values.contains(v) || reserved, op + ": " + err + " maps to " + v + ", not in the group");
                if (err == ErrorCode.OK) assertEquals(0, v, op.toString());
                else assertTrue(v != 0, op + ": " + err + " must not map to OK");
            }
        }
    }

    @Test
    void theTableOfDocsErrorsMd() {
        assertEquals(3, ErrorMapping.code(Op.LOGIN, ErrorCode.INVALID_USER_ID));
        assertEquals(9, ErrorMapping.code(Op.LOGIN, ErrorCode.TIMEOUT));
        assertEquals(1, ErrorMapping.code(Op.LOGIN, ErrorCode.NETWORK));
        assertEquals(4, ErrorMapping.code(Op.PEER_MESSAGE, ErrorCode.CACHED_BY_SERVER));
        assertEquals(8, ErrorMapping.code(Op.PEER_MESSAGE, ErrorCode.PROTOCOL));
        assertEquals(102, ErrorMapping.code(Op.PEER_MESSAGE, ErrorCode.NOT_LOGGED_IN));
        assertEquals(2, ErrorMapping.code(Op.QUERY_PEERS_ONLINE_STATUS, ErrorCode.EXCEED_LIMIT));
        assertEquals(6, ErrorMapping.code(Op.PEER_SUBSCRIPTION_STATUS, ErrorCode.EXCEED_LIMIT));
        assertEquals(7, ErrorMapping.code(Op.JOIN_CHANNEL, ErrorCode.TOO_OFTEN));
        assertEquals(2, ErrorMapping.code(Op.ATTRIBUTE_OPERATION, ErrorCode.FAILURE));
        assertEquals(1, ErrorMapping.code(Op.LOCAL_INVITATION, ErrorCode.PEER_OFFLINE));
        assertEquals(3, ErrorMapping.code(Op.REMOTE_INVITATION, ErrorCode.INVITATION_EXPIRED));
        assertEquals(2, ErrorMapping.invitationApiCall(ErrorCode.INVALID_STATE, true, 0));
        assertEquals(5, ErrorMapping.invitationApiCall(ErrorCode.INVALID_STATE, true, 2));
        assertEquals(4, ErrorMapping.invitationApiCall(ErrorCode.INVALID_STATE, false, 2));
        assertEquals(3, ErrorMapping.invitationApiCall(ErrorCode.INVALID_STATE, false, 5));
        assertEquals(1, ErrorMapping.invitationApiCall(ErrorCode.SIZE_OVERFLOW, true, 0));
    }
}
