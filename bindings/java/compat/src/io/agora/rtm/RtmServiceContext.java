package io.agora.rtm;

/**
 * Where the hosted service may connect (area and proxy, RTM 1.4). rtmd is one server the
 * application names itself (io.agora.rtm.serverUrl / RTM_SERVER_URL), so the context is
 * checked and kept but changes nothing.
 */
public class RtmServiceContext {
    public static final int AREA_CODE_CN = 1;
    public static final int AREA_CODE_NA = 1 << 1;
    public static final int AREA_CODE_EU = 1 << 2;
    public static final int AREA_CODE_AS = 1 << 3;
    public static final int AREA_CODE_JP = 1 << 4;
    public static final int AREA_CODE_IN = 1 << 5;
    public static final int AREA_CODE_GLOB = 0xFFFFFFFF;
    public static final int RTM_NONE_PROXY = 0;
    public static final int RTM_TCP_PROXY = 1;

    private int areaCode = AREA_CODE_GLOB;
    private int proxyType = RTM_NONE_PROXY;

    public int getAreaCode() {
        return areaCode;
    }

    public void setAreaCode(int areaCode) {
        this.areaCode = areaCode;
    }

    public int getProxyType() {
        return proxyType;
    }

    public void setProxyType(int proxyType) {
        this.proxyType = proxyType;
    }
}
